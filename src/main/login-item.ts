import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { app, type App } from 'electron'

/** Passed when the OS starts KeyPool at login: it then starts in the tray, without a window. */
export const HIDDEN_ARG = '--hidden'

export const AUTOSTART_FILE_NAME = 'keypool.desktop'

/** Everything the login item depends on, injectable for tests. */
export interface LoginItemHost {
  platform: NodeJS.Platform
  app: Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>
  /** The program to start (on Linux the AppImage itself, not its temporary mount). */
  execPath: string
  /** Arguments before ours: the app folder when running unpackaged (`electron .`). */
  launchArgs: string[]
  /** XDG autostart folder (Linux). */
  autostartDir: string
}

export function electronLoginItemHost(): LoginItemHost {
  const configHome = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')
  return {
    platform: process.platform,
    app,
    execPath: process.env.APPIMAGE || process.execPath,
    launchArgs: app.isPackaged ? [] : [app.getAppPath()],
    autostartDir: path.join(configHome, 'autostart'),
  }
}

/**
 * Turns launch at login on or off. macOS and Windows go through `app.setLoginItemSettings`;
 * Electron does not implement it on Linux, where the XDG autostart entry is the standard.
 */
export function setLaunchAtLogin(enabled: boolean, host = electronLoginItemHost()): void {
  const args = [...host.launchArgs, HIDDEN_ARG]
  if (host.platform === 'linux') {
    const file = path.join(host.autostartDir, AUTOSTART_FILE_NAME)
    if (!enabled) return fs.rmSync(file, { force: true })
    fs.mkdirSync(host.autostartDir, { recursive: true })
    fs.writeFileSync(file, autostartEntry(host.execPath, args))
    return
  }
  if (host.platform === 'win32') {
    host.app.setLoginItemSettings({ openAtLogin: enabled, path: host.execPath, args })
    return
  }
  host.app.setLoginItemSettings({ openAtLogin: enabled })
}

/** Whether the OS will start KeyPool at login (the truth may differ from our setting). */
export function getLaunchAtLogin(host = electronLoginItemHost()): boolean {
  if (host.platform === 'linux') {
    return fs.existsSync(path.join(host.autostartDir, AUTOSTART_FILE_NAME))
  }
  if (host.platform === 'win32') {
    const args = [...host.launchArgs, HIDDEN_ARG]
    return host.app.getLoginItemSettings({ path: host.execPath, args }).openAtLogin
  }
  return host.app.getLoginItemSettings().openAtLogin
}

/** Makes the OS agree with the user's setting and answers what the OS now reports. */
export function syncLaunchAtLogin(wanted: boolean, host = electronLoginItemHost()): boolean {
  if (getLaunchAtLogin(host) !== wanted) setLaunchAtLogin(wanted, host)
  return getLaunchAtLogin(host)
}

/** True when the OS started us at login, so the window stays hidden and only the tray shows. */
export function wasLaunchedAtLogin(argv: string[], host = electronLoginItemHost()): boolean {
  if (argv.includes(HIDDEN_ARG)) return true
  return host.platform === 'darwin' && host.app.getLoginItemSettings().wasOpenedAtLogin === true
}

/** An XDG desktop entry (Desktop Entry Specification, `Exec` quoting rules). */
export function autostartEntry(execPath: string, args: string[]): string {
  const exec = [execPath, ...args].map(quoteExecArgument).join(' ')
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=KeyPool',
    'Comment=Local proxy and key pool for OpenAI-compatible APIs',
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/** Quotes what needs it; `%` starts a field code, so a literal one is doubled. */
function quoteExecArgument(argument: string): string {
  const percentSafe = argument.replaceAll('%', '%%')
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(percentSafe)) return percentSafe
  return `"${percentSafe.replace(/["`$\\]/g, (c) => `\\${c}`)}"`
}
