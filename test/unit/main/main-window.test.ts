import { BrowserWindow, shell } from 'electron'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMainWindow, mainWindowOptions } from '../../../src/main/main-window'

interface FakeWindow {
  options: Record<string, unknown>
  visible: boolean
  maximized: boolean
  loadURL: ReturnType<typeof vi.fn>
  emit(event: string, ...args: unknown[]): void
  webContents: {
    emit(event: string, ...args: unknown[]): void
    setWindowOpenHandler: ReturnType<typeof vi.fn>
    session: {
      setPermissionRequestHandler: ReturnType<typeof vi.fn>
      setPermissionCheckHandler: ReturnType<typeof vi.fn>
    }
  }
}

function created(): FakeWindow {
  return vi.mocked(BrowserWindow).mock.instances.at(-1) as unknown as FakeWindow
}

beforeEach(() => {
  vi.clearAllMocks()
})

describe('the main window', () => {
  it('opens with the remembered size and position, and the icon', () => {
    const options = mainWindowOptions(
      '/p.cjs',
      { x: 10, y: 20, width: 900, height: 700, maximized: false },
      '/r/icon.png',
    )
    expect(options).toMatchObject({ x: 10, y: 20, width: 900, height: 700, icon: '/r/icon.png' })
    const centred = mainWindowOptions('/p.cjs', { width: 900, height: 700, maximized: false })
    expect(centred).not.toHaveProperty('x')
    expect(centred).not.toHaveProperty('icon')
    expect(centred).toMatchObject({ show: false, minWidth: 760, minHeight: 520 })
  })

  it('loads app://keypool and shows itself when ready, maximized if it was', () => {
    createMainWindow({ state: { width: 900, height: 700, maximized: true } })
    const window = created()
    expect(window.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true })
    expect(window.loadURL).toHaveBeenCalledWith('app://keypool/index.html')
    expect(window.visible).toBe(false)
    window.emit('ready-to-show')
    expect(window).toMatchObject({ visible: true, maximized: true })
  })

  it('denies navigation, new windows, webviews and every permission (E1)', () => {
    createMainWindow()
    const { webContents } = created()
    const navigate = { preventDefault: vi.fn() }
    webContents.emit('will-navigate', navigate)
    expect(navigate.preventDefault).toHaveBeenCalled()
    const webview = { preventDefault: vi.fn() }
    webContents.emit('will-attach-webview', webview)
    expect(webview.preventDefault).toHaveBeenCalled()

    const openHandler = webContents.setWindowOpenHandler.mock.calls[0]![0] as (d: {
      url: string
    }) => unknown
    expect(openHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(shell.openExternal).not.toHaveBeenCalled()
    expect(openHandler({ url: 'https://github.com/keypool' })).toEqual({ action: 'deny' })
    expect(shell.openExternal).toHaveBeenCalledWith('https://github.com/keypool')

    const request = webContents.session.setPermissionRequestHandler.mock.calls[0]![0] as (
      ...a: unknown[]
    ) => void
    const callback = vi.fn()
    request({}, 'notifications', callback)
    expect(callback).toHaveBeenCalledWith(false)
    const check = webContents.session.setPermissionCheckHandler.mock.calls[0]![0] as () => boolean
    expect(check()).toBe(false)
  })
})
