import { parseArgs } from 'node:util'
import { defaultDataDir } from './data-dir'

export interface ServeOptions {
  dataDir: string
  /** Overrides the stored proxy port for this run. */
  port?: number
  /** Overrides the stored bind address for this run. */
  host?: string
  adminToken?: string
  /** Protects upstream keys at rest instead of the key file in the data folder. */
  passphrase?: string
  help: boolean
}

export const SERVE_USAGE = `Usage: keypool serve [options]

Runs KeyPool headless: the proxy (/v1), the admin API (/api) and the web UI (/) on one listener.

Options:
  --data-dir <dir>   where the database and keys live   (env KEYPOOL_DATA_DIR)
  --port <port>      listen on this port                (env KEYPOOL_PORT)
  --host <address>   bind this address; default 127.0.0.1 (env KEYPOOL_HOST)
  -h, --help         show this help

The admin token comes from KEYPOOL_ADMIN_TOKEN, or is generated on first run, stored in
<data-dir>/admin-token (mode 0600) and printed once.

Upstream keys are encrypted at rest. Their data key is protected by KEYPOOL_PASSPHRASE when it
is set, otherwise by a key file, <data-dir>/master.key (mode 0600).`

/** Flags win over environment variables, which win over defaults. Throws on bad values. */
export function parseServeOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ServeOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  const port = values.port ?? env.KEYPOOL_PORT
  const host = values.host ?? env.KEYPOOL_HOST
  return {
    dataDir: values['data-dir'] ?? env.KEYPOOL_DATA_DIR ?? defaultDataDir(),
    ...(port !== undefined && port !== '' && { port: parsePort(port) }),
    ...(host !== undefined && host !== '' && { host }),
    ...(env.KEYPOOL_ADMIN_TOKEN && { adminToken: env.KEYPOOL_ADMIN_TOKEN }),
    ...(env.KEYPOOL_PASSPHRASE && { passphrase: env.KEYPOOL_PASSPHRASE }),
    help: values.help ?? false,
  }
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, not "${value}"`)
  }
  return port
}

/** Loopback addresses need no admin token to be safe; anything else exposes the admin API. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare)
}
