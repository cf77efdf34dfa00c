import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Where Electron keeps `userData` for an app named KeyPool, so both shells share one store. */
export function defaultDataDir(): string {
  const home = os.homedir()
  switch (process.platform) {
    case 'win32':
      return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'KeyPool')
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'KeyPool')
    default:
      return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'KeyPool')
  }
}

/** Creates the data folder if needed and makes it private to the user (0700 on POSIX). */
export function ensureDataDir(dir: string): string {
  const resolved = path.resolve(dir)
  fs.mkdirSync(resolved, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') fs.chmodSync(resolved, 0o700)
  return resolved
}
