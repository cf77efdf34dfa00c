import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KeyPoolCore } from '../core/keypool-core'
import type { Logger } from '../core/logger'
import { defaultKeyWrapper } from '../core/secrets/default-key-wrapper'
import type { KeyWrapper } from '../core/secrets/key-wrapper'
import { systemClock, type Clock } from '../core/clock'
import { AdminGate } from './admin-gate'
import { AdminTokenVerifier, loadOrCreateAdminToken, type AdminTokenSource } from './admin-token'
import { ensureDataDir } from './data-dir'
import { createEventStreamRoute } from './event-stream-route'
import { createHttpAdapter } from './http-adapter'
import { acquireLock } from './lock-file'
import { LoginThrottle } from './login-throttle'
import { applySecurityHeaders } from './security-headers'
import { isLoopbackHost } from './serve-options'
import { createStaticFiles } from './static-files'
import { createTokenRoute } from './token-route'

export interface HeadlessOptions {
  dataDir: string
  port?: number
  host?: string
  adminToken?: string
  /** From KEYPOOL_PASSPHRASE: protects upstream keys instead of the key file. */
  passphrase?: string
  /** Overrides the passphrase / key-file choice (tests). */
  keyWrapper?: KeyWrapper
  logger: Logger
  clock?: Clock
  /** The built web UI; defaults to `out/renderer` next to the built server. */
  uiDir?: string
}

export interface HeadlessServer {
  url: string
  core: KeyPoolCore
  adminToken: AdminTokenSource
  close(deadlineMs?: number): Promise<void>
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

const withSecurityHeaders =
  (handler: Handler): Handler =>
  (req, res) => {
    applySecurityHeaders(res)
    return handler(req, res)
  }

/**
 * Starts KeyPool headless: takes the data-folder lock, opens the core, mounts the admin API,
 * login, events and web UI beside the proxy on one listener, and listens.
 */
export async function startHeadless(options: HeadlessOptions): Promise<HeadlessServer> {
  const dataDir = ensureDataDir(options.dataDir)
  const releaseLock = acquireLock(dataDir)
  let core: KeyPoolCore | undefined
  try {
    const adminToken = loadOrCreateAdminToken(dataDir, options.adminToken)
    // No OS keychain here: a passphrase when given, else a key file; the core logs the warning.
    const keyWrapper = options.keyWrapper ?? defaultKeyWrapper(dataDir, options.passphrase)
    core = KeyPoolCore.open({ dataDir, logger: options.logger, clock: options.clock, keyWrapper })
    const host = options.host ?? core.settings.get().proxy.host
    if (!isLoopbackHost(host)) {
      options.logger.warn(
        'listening beyond this machine: the admin API is reachable from the network',
        { host },
      )
    }

    const gate = new AdminGate(
      new AdminTokenVerifier(adminToken.token),
      new LoginThrottle(options.clock ?? systemClock),
    )
    const uiDir =
      options.uiDir ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../renderer')
    core.server.mount('/api', withSecurityHeaders(createHttpAdapter(core.router, gate)))
    const eventStreams = createEventStreamRoute(core.events, gate)
    core.server.mount('/api/events', withSecurityHeaders(eventStreams.handle))
    core.server.mount('/token', withSecurityHeaders(createTokenRoute(gate)))
    core.server.mount('/', withSecurityHeaders(createStaticFiles(uiDir)))

    const { url } = await core.listen({
      ...(options.port !== undefined && { port: options.port }),
      host,
    })
    const opened = core
    return {
      url,
      core: opened,
      adminToken,
      async close(deadlineMs = 10_000) {
        const stopping = opened.close(deadlineMs)
        // Event streams never finish on their own; end them once the listener stops accepting.
        eventStreams.closeAll()
        await stopping
        releaseLock()
      },
    }
  } catch (error) {
    await core?.close(0)
    releaseLock()
    throw error
  }
}
