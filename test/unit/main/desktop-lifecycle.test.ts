import fs from 'node:fs'
import path from 'node:path'
import type * as Electron from 'electron'
import type { MenuItemConstructorOptions } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DATABASE_FILE_NAME } from '../../../src/core/keypool-core'
import { MASTER_KEY_FILE_NAME } from '../../../src/core/secrets/key-file-wrapper'
import { readRecordedKeyBackend } from '../../../src/core/secrets/recorded-key-backend'
import { SMOKE_PROBE_GLOBAL, type SmokeProbe } from '../../../src/main/smoke-probe'
import { tempDir } from '../../support/temp-dir'

type Listener = (...args: unknown[]) => void

interface FakeWindow {
  visible: boolean
  bounds: { x: number; y: number; width: number; height: number }
  close(): void
  show(): void
  isDestroyed(): boolean
  emit(event: string, ...args: unknown[]): void
}

interface FakeTray {
  toolTip: string
  contextMenu: { items: MenuItemConstructorOptions[] }
}

// Re-imported after every vi.resetModules(), so the test sees the same mock as index.ts.
let electron: typeof Electron

/** The handlers index.ts registered with `app.on`, by event name. */
function appHandler(event: string): Listener {
  const call = vi.mocked(electron.app.on).mock.calls.find(([name]) => name === event)
  if (!call) throw new Error(`no app.on('${event}') handler`)
  return call[1] as Listener
}

let userData: string
let exited: Promise<number>

/** Loads the main entry against the mocked electron, as Electron would at start. */
async function launch(env: Record<string, string> = {}) {
  userData = tempDir('keypool-desktop-')
  vi.mocked(electron.app.getPath).mockImplementation(() => userData)
  exited = new Promise((resolve) =>
    vi.mocked(electron.app.exit).mockImplementation((code) => resolve(code ?? 0)),
  )
  vi.stubEnv('KEYPOOL_PORT', '0')
  vi.stubEnv('KEYPOOL_SMOKE_TEST', '1')
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  await import('../../../src/main/index')
  await vi.waitFor(() => expect(electron.BrowserWindow).toHaveBeenCalled())
  const probe = (globalThis as Record<string, unknown>)[SMOKE_PROBE_GLOBAL] as SmokeProbe
  const window = vi.mocked(electron.BrowserWindow).mock.instances[0] as unknown as FakeWindow
  const tray = vi.mocked(electron.Tray).mock.instances[0] as unknown as FakeTray
  const menuItem = (id: string) => tray.contextMenu.items.find((item) => item.id === id)!
  return { probe, window, tray, menuItem }
}

async function quit(): Promise<number> {
  const event = { preventDefault: vi.fn() }
  appHandler('before-quit')(event)
  expect(event.preventDefault).toHaveBeenCalled()
  return exited
}

beforeEach(async () => {
  vi.resetModules()
  electron = await import('electron')
  vi.stubEnv('XDG_CONFIG_HOME', tempDir('keypool-xdg-')) // the Linux autostart entry goes here
  vi.spyOn(process, 'on').mockImplementation(() => process) // no real signal handlers
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true) // the console logger
})

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
  delete (globalThis as Record<string, unknown>)[SMOKE_PROBE_GLOBAL]
})

describe('the desktop lifecycle (src/main/index.ts, mocked electron)', () => {
  it('starts the proxy, a red tray (no keys yet) and the window, and quits gracefully', async () => {
    const { probe, window, tray, menuItem } = await launch()
    expect(probe.trayExists()).toBe(true)
    const url = probe.proxyUrl()!
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' })
    expect(probe.trayHealth()).toBe('red') // running, but no key yet
    expect(tray.toolTip).toBe('KeyPool · 0 active · 0 req/min')
    expect(menuItem('proxy').label).toBe('Stop proxy')
    expect(window.visible).toBe(false) // shown on 'ready-to-show'
    window.emit('ready-to-show')
    expect(window.visible).toBe(true)
    if (process.platform !== 'win32') expect(fs.statSync(userData).mode & 0o777).toBe(0o700)

    expect(await quit()).toBe(0)
    await expect(fetch(`${url}/health`)).rejects.toThrow()
    expect(probe.trayExists()).toBe(false)
  })

  it('hides to the tray on close, says so once, and remembers the window', async () => {
    const { window } = await launch()
    window.emit('ready-to-show')
    window.bounds = { x: 40, y: 50, width: 1000, height: 700 }
    window.close()
    expect(window.visible).toBe(false)
    window.show()
    window.close()
    const notices = vi.mocked(electron.Notification).mock.instances as unknown as {
      options: { title: string }
    }[]
    expect(notices.map((n) => n.options.title)).toEqual(['KeyPool keeps running in the tray'])
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'shell-flags.json'), 'utf8'))).toEqual({
      trayNoticeShown: true,
    })
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'window-state.json'), 'utf8'))).toEqual({
      x: 40,
      y: 50,
      width: 1000,
      height: 700,
      maximized: false,
    })

    appHandler('second-instance')()
    expect(window.visible).toBe(true)
    expect(await quit()).toBe(0)
  })

  it('really closes the window when closeToTray is off', async () => {
    const { window } = await launch()
    const handler = vi.mocked(electron.ipcMain.handle).mock.calls[0]![1] as (
      ...args: unknown[]
    ) => Promise<unknown>
    const appFrame = { senderFrame: { url: 'app://keypool/index.html', parent: null } }
    const updated = await handler(appFrame, 'settings.update', { desktop: { closeToTray: false } })
    expect(updated).toMatchObject({ ok: true, data: { desktop: { closeToTray: false } } })
    window.close()
    expect(window.isDestroyed()).toBe(true)
    expect(electron.Notification).not.toHaveBeenCalled()
    appHandler('second-instance')() // a new window, at the remembered place
    expect(electron.BrowserWindow).toHaveBeenCalledTimes(2)
    expect(await quit()).toBe(0)
  })

  it('stops and starts the proxy from the tray and stores launch at login', async () => {
    const { probe, menuItem } = await launch()
    const click = (id: string, checked?: boolean) =>
      (menuItem(id).click as Listener)({ checked }, undefined, {})
    click('proxy')
    await vi.waitFor(() => expect(probe.trayHealth()).toBe('grey'))
    expect(menuItem('proxy').label).toBe('Start proxy')
    click('proxy')
    await vi.waitFor(() => expect(probe.trayHealth()).toBe('red'))

    click('login', true)
    expect(menuItem('login').checked).toBe(true)
    if (process.platform === 'linux') {
      const entry = path.join(process.env.XDG_CONFIG_HOME!, 'autostart', 'keypool.desktop')
      expect(fs.readFileSync(entry, 'utf8')).toContain('--hidden')
    } else {
      expect(electron.app.setLoginItemSettings).toHaveBeenCalledWith(
        expect.objectContaining({ openAtLogin: true }),
      )
    }
    click('quit')
    expect(electron.app.quit).toHaveBeenCalled()
    expect(await quit()).toBe(0)
  })

  it('stays in the tray when started at login, and opens the window from it', async () => {
    vi.spyOn(process, 'argv', 'get').mockReturnValue(['/opt/keypool', '--hidden'])
    userData = tempDir('keypool-desktop-')
    vi.mocked(electron.app.getPath).mockImplementation(() => userData)
    exited = new Promise((resolve) =>
      vi.mocked(electron.app.exit).mockImplementation((c) => resolve(c ?? 0)),
    )
    vi.stubEnv('KEYPOOL_PORT', '0')
    await import('../../../src/main/index')
    await vi.waitFor(() => expect(electron.Tray).toHaveBeenCalled())
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(electron.BrowserWindow).not.toHaveBeenCalled()
    const tray = vi.mocked(electron.Tray).mock.instances[0] as unknown as FakeTray
    ;(tray.contextMenu.items.find((i) => i.id === 'open')!.click as Listener)({}, undefined, {})
    expect(electron.BrowserWindow).toHaveBeenCalledOnce()
    expect(await quit()).toBe(0)
  })

  it('seals the data key with safeStorage when an OS keychain backs it', async () => {
    vi.mocked(electron.safeStorage.isEncryptionAvailable).mockReturnValue(true)
    vi.mocked(electron.safeStorage.getSelectedStorageBackend).mockReturnValue('gnome_libsecret')
    await launch()
    expect(electron.safeStorage.encryptString).toHaveBeenCalledOnce()
    expect(readRecordedKeyBackend(path.join(userData, DATABASE_FILE_NAME))).toBe('safe-storage')
    expect(fs.existsSync(path.join(userData, MASTER_KEY_FILE_NAME))).toBe(false)
    expect(await quit()).toBe(0)
  })

  it('falls back to the key file, with a warning, on Linux basic_text', async () => {
    vi.mocked(electron.safeStorage.isEncryptionAvailable).mockReturnValue(true)
    vi.mocked(electron.safeStorage.getSelectedStorageBackend).mockReturnValue('basic_text')
    const stderr = vi.mocked(process.stderr.write)
    await launch()
    expect(electron.safeStorage.encryptString).not.toHaveBeenCalled()
    expect(readRecordedKeyBackend(path.join(userData, DATABASE_FILE_NAME))).toBe('key-file')
    expect(fs.existsSync(path.join(userData, MASTER_KEY_FILE_NAME))).toBe(true)
    const warnings = stderr.mock.calls.map(([line]) => String(line)).filter((l) => / WARN /.test(l))
    if (process.platform === 'linux') {
      expect(warnings).toContainEqual(
        expect.stringMatching(/No OS keychain.*basic_text.*master\.key/),
      )
    }
    expect(await quit()).toBe(0)
  })

  it('leaves when another instance holds the lock', async () => {
    vi.mocked(electron.app.requestSingleInstanceLock).mockReturnValueOnce(false)
    await import('../../../src/main/index')
    expect(electron.app.quit).toHaveBeenCalled()
    expect(electron.app.whenReady).not.toHaveBeenCalled()
  })

  it('uses KEYPOOL_DATA_DIR as the userData folder', async () => {
    vi.mocked(electron.app.requestSingleInstanceLock).mockReturnValueOnce(false)
    vi.stubEnv('KEYPOOL_DATA_DIR', '/tmp/kp-data')
    await import('../../../src/main/index')
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', path.resolve('/tmp/kp-data'))
  })
})
