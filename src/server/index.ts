import { createConsoleLogger } from '../core/logger'
import { applyV8Tuning } from '../core/v8-tuning'
import { startHeadless } from './headless-server'
import { parseServeOptions, SERVE_USAGE } from './serve-options'

/** `npm run serve`: KeyPool without a window. */
async function main(): Promise<void> {
  let options
  try {
    options = parseServeOptions(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${SERVE_USAGE}\n`)
    process.exit(2)
  }
  if (options.help) {
    process.stdout.write(`${SERVE_USAGE}\n`)
    return
  }
  applyV8Tuning()
  const logger = createConsoleLogger(process.env.KEYPOOL_LOG_LEVEL === 'debug' ? 'debug' : 'info')
  let server
  try {
    server = await startHeadless({ ...options, logger })
  } catch (error) {
    process.stderr.write(`KeyPool could not start: ${(error as Error).message}\n`)
    process.exit(1)
  }

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('stopping', { signal })
    server
      .close(10_000)
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error('unclean stop', { error: String(error) })
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))

  const tokenNotice =
    server.adminToken.origin === 'generated'
      ? `\nAdmin token (shown once; also saved in ${server.adminToken.file}):\n  ${server.adminToken.token}\n\n`
      : ''
  // One write, so nothing reading the output sees the address without the token notice.
  process.stdout.write(
    `KeyPool is listening on ${server.url}\n` +
      `  proxy:  ${server.url}/v1   admin API: ${server.url}/api   web UI: ${server.url}/\n` +
      `  data:   ${options.dataDir}\n${tokenNotice}`,
  )
}

void main()
