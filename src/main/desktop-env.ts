import fs from 'node:fs'
import path from 'node:path'

/** Per-run overrides of the desktop app, the same variables the headless server reads. */
export interface DesktopEnv {
  /** KEYPOOL_DATA_DIR: another data folder (and Electron profile), e.g. for a test run. */
  dataDir?: string
  /** KEYPOOL_PORT: listen on this port instead of the stored one, for this run only. */
  port?: number
}

/** Reads the overrides; an invalid port is ignored with a warning rather than stopping the app. */
export function readDesktopEnv(
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void = () => {},
): DesktopEnv {
  const result: DesktopEnv = {}
  if (env.KEYPOOL_DATA_DIR) result.dataDir = path.resolve(env.KEYPOOL_DATA_DIR)
  const port = env.KEYPOOL_PORT
  if (port) {
    const value = Number(port)
    if (/^\d+$/.test(port) && value <= 65535) result.port = value
    else warn(`KEYPOOL_PORT=${port} is not a port number; using the stored port`)
  }
  return result
}

/** Makes the data folder private to the user (SECURITY.md S5: 0700 on POSIX). */
export function secureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') fs.chmodSync(dir, 0o700)
}
