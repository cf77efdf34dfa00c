import fs from 'node:fs'
import path from 'node:path'
import { app } from 'electron'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import {
  AUTOSTART_FILE_NAME,
  autostartEntry,
  getLaunchAtLogin,
  HIDDEN_ARG,
  setLaunchAtLogin,
  syncLaunchAtLogin,
  wasLaunchedAtLogin,
  type LoginItemHost,
} from '../../../src/main/login-item'
import { tempDir } from '../../support/temp-dir'

const loginSettings = (openAtLogin: boolean, wasOpenedAtLogin = false) => ({
  openAtLogin,
  wasOpenedAtLogin,
  status: 'enabled' as const,
  executableWillLaunchAtLogin: openAtLogin,
  launchItems: [],
})

function host(platform: NodeJS.Platform, overrides: Partial<LoginItemHost> = {}): LoginItemHost {
  return {
    platform,
    app,
    execPath: '/opt/KeyPool/keypool',
    launchArgs: [],
    autostartDir: tempDir(),
    ...overrides,
  }
}

beforeEach(() => {
  vi.clearAllMocks()
})

describe('launch at login', () => {
  it('uses the login item API on macOS and reads it back', () => {
    const mac = host('darwin')
    setLaunchAtLogin(true, mac)
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true })
    vi.mocked(app.getLoginItemSettings).mockReturnValueOnce(loginSettings(true))
    expect(getLaunchAtLogin(mac)).toBe(true)
  })

  it('registers the executable with --hidden on Windows and asks with the same arguments', () => {
    const win = host('win32', { execPath: 'C:\\KeyPool\\KeyPool.exe' })
    setLaunchAtLogin(false, win)
    const expected = { path: 'C:\\KeyPool\\KeyPool.exe', args: [HIDDEN_ARG] }
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: false, ...expected })
    vi.mocked(app.getLoginItemSettings).mockReturnValueOnce(loginSettings(false))
    expect(getLaunchAtLogin(win)).toBe(false)
    expect(app.getLoginItemSettings).toHaveBeenCalledWith(expected)
  })

  it('writes and removes an XDG autostart entry on Linux', () => {
    const linux = host('linux', { execPath: '/home/me/Apps/KeyPool 1.0.AppImage' })
    const file = path.join(linux.autostartDir, AUTOSTART_FILE_NAME)
    expect(getLaunchAtLogin(linux)).toBe(false)
    setLaunchAtLogin(true, linux)
    expect(fs.readFileSync(file, 'utf8')).toContain(
      'Exec="/home/me/Apps/KeyPool 1.0.AppImage" --hidden\n',
    )
    expect(getLaunchAtLogin(linux)).toBe(true)
    setLaunchAtLogin(false, linux)
    expect(fs.existsSync(file)).toBe(false)
    setLaunchAtLogin(false, linux) // already off: no error
    expect(app.setLoginItemSettings).not.toHaveBeenCalled()
  })

  it('passes the app folder when running unpackaged', () => {
    const linux = host('linux', {
      execPath: '/repo/node_modules/electron/dist/electron',
      launchArgs: ['/repo'],
    })
    setLaunchAtLogin(true, linux)
    const entry = fs.readFileSync(path.join(linux.autostartDir, AUTOSTART_FILE_NAME), 'utf8')
    expect(entry).toContain('Exec=/repo/node_modules/electron/dist/electron /repo --hidden\n')
  })

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    expect(autostartEntry('/a b/$x"y', ['100%'])).toContain('Exec="/a b/\\$x\\"y" 100%%\n')
  })

  it('changes the OS only when it disagrees with the setting', () => {
    const mac = host('darwin')
    vi.mocked(app.getLoginItemSettings).mockReturnValue(loginSettings(true))
    expect(syncLaunchAtLogin(true, mac)).toBe(true)
    expect(app.setLoginItemSettings).not.toHaveBeenCalled()
    vi.mocked(app.getLoginItemSettings).mockReturnValueOnce(loginSettings(true))
    syncLaunchAtLogin(false, mac)
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: false })
    vi.mocked(app.getLoginItemSettings).mockReset()
  })

  it('knows when the OS started it at login', () => {
    expect(wasLaunchedAtLogin(['/opt/keypool', HIDDEN_ARG], host('linux'))).toBe(true)
    expect(wasLaunchedAtLogin(['/opt/keypool'], host('linux'))).toBe(false)
    vi.mocked(app.getLoginItemSettings).mockReturnValueOnce(loginSettings(true, true))
    expect(wasLaunchedAtLogin(['/Applications/KeyPool.app'], host('darwin'))).toBe(true)
  })
})
