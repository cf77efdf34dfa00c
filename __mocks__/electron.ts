/**
 * Stand-in for the `electron` module in Node tests. The real package would try to download the
 * Electron binary on first use. Tests replace the pieces they exercise with `vi.spyOn` or by
 * assigning fakes; everything here is inert by default. Classes (`BrowserWindow`, `Tray`,
 * `Notification`) are `vi.fn` wrappers around small fakes, so tests can read both the calls
 * (`vi.mocked(Tray).mock.instances`) and the fake's state.
 */
import { EventEmitter } from 'node:events'
import { vi } from 'vitest'

export const app = {
  isPackaged: false,
  getPath: vi.fn((_name: string) => '/tmp/keypool-test'),
  setPath: vi.fn(),
  getAppPath: vi.fn(() => '/tmp/keypool-app'),
  requestSingleInstanceLock: vi.fn(() => true),
  whenReady: vi.fn(() => Promise.resolve()),
  on: vi.fn(),
  quit: vi.fn(),
  exit: vi.fn(),
  setLoginItemSettings: vi.fn(),
  getLoginItemSettings: vi.fn(() => ({
    openAtLogin: false,
    wasOpenedAtLogin: false,
    status: 'not-registered',
    executableWillLaunchAtLogin: false,
    launchItems: [],
  })),
}

export const ipcMain = {
  handle: vi.fn(),
  removeHandler: vi.fn(),
  on: vi.fn(),
}

export const ipcRenderer = {
  invoke: vi.fn(),
  on: vi.fn(),
  removeListener: vi.fn(),
}

export const contextBridge = {
  exposeInMainWorld: vi.fn(),
}

export const protocol = {
  registerSchemesAsPrivileged: vi.fn(),
  handle: vi.fn(),
}

export const net = {
  fetch: vi.fn(),
}

export const shell = {
  openExternal: vi.fn(() => Promise.resolve()),
}

/** Marks what the fake `safeStorage` "encrypted", so decrypting anything else fails as it would. */
export const SAFE_STORAGE_MOCK_MARKER = 'mock-safe-storage:v1:'

/**
 * Unavailable by default (like a headless Linux session); tests switch it on with
 * `mockReturnValue`. Encryption is reversible (marker + base64) so round trips can be tested.
 */
export const safeStorage = {
  isEncryptionAvailable: vi.fn(() => false),
  getSelectedStorageBackend: vi.fn(() => 'basic_text'),
  encryptString: vi.fn((plainText: string) =>
    Buffer.from(SAFE_STORAGE_MOCK_MARKER + Buffer.from(plainText, 'utf8').toString('base64')),
  ),
  decryptString: vi.fn((encrypted: Buffer) => {
    const text = encrypted.toString('latin1')
    if (!text.startsWith(SAFE_STORAGE_MOCK_MARKER)) {
      throw new Error(
        'Error while decrypting the ciphertext provided to safeStorage.decryptString.',
      )
    }
    return Buffer.from(text.slice(SAFE_STORAGE_MOCK_MARKER.length), 'base64').toString('utf8')
  }),
}

export const clipboard = {
  writeText: vi.fn(),
  readText: vi.fn(() => ''),
}

interface Rect {
  x: number
  y: number
  width: number
  height: number
}

const primaryDisplay = {
  id: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1040 },
  scaleFactor: 1,
}

export const screen = {
  getAllDisplays: vi.fn(() => [primaryDisplay]),
  getPrimaryDisplay: vi.fn(() => primaryDisplay),
}

/** A NativeImage that remembers where it came from and whether it is a template. */
function fakeImage(path: string) {
  let template = false
  return {
    path,
    isEmpty: vi.fn(() => false),
    setTemplateImage: vi.fn((value: boolean) => void (template = value)),
    isTemplateImage: vi.fn(() => template),
  }
}

export const nativeImage = {
  createFromPath: vi.fn((path: string) => fakeImage(path)),
  createEmpty: vi.fn(() => fakeImage('')),
}

/** A built menu is its template, so tests can find items and call their `click`. */
export const Menu = {
  buildFromTemplate: vi.fn((template: unknown[]) => ({ items: template })),
  setApplicationMenu: vi.fn(),
}

class FakeTray extends EventEmitter {
  image: unknown
  toolTip = ''
  contextMenu: unknown
  private destroyedFlag = false
  setImage = vi.fn((image: unknown) => void (this.image = image))
  setToolTip = vi.fn((text: string) => void (this.toolTip = text))
  setContextMenu = vi.fn((menu: unknown) => void (this.contextMenu = menu))
  destroy = vi.fn(() => void (this.destroyedFlag = true))
  isDestroyed = vi.fn(() => this.destroyedFlag)

  constructor(image: unknown) {
    super()
    this.image = image
  }
}

export const Tray = vi.fn(FakeTray)

class FakeNotification extends EventEmitter {
  static isSupported = vi.fn(() => true)
  show = vi.fn()
  close = vi.fn()

  constructor(readonly options: { title?: string; body?: string; icon?: unknown } = {}) {
    super()
  }
}

export const Notification = vi.fn(FakeNotification)
Object.assign(Notification, { isSupported: FakeNotification.isSupported })

class FakeSession {
  setPermissionRequestHandler = vi.fn()
  setPermissionCheckHandler = vi.fn()
}

class FakeWebContents extends EventEmitter {
  session = new FakeSession()
  setWindowOpenHandler = vi.fn()
  send = vi.fn()
  isDestroyed = vi.fn(() => false)
}

/** A window with the state the shell reads: bounds, visibility, maximized, minimized. */
class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = []
  static getAllWindows = vi.fn(() => FakeBrowserWindow.all.filter((w) => !w.destroyed))
  webContents = new FakeWebContents()
  bounds: Rect
  visible = false
  maximized = false
  minimized = false
  destroyed = false
  loadURL = vi.fn(() => Promise.resolve())
  show = vi.fn(() => void (this.visible = true))
  hide = vi.fn(() => void (this.visible = false))
  focus = vi.fn()
  restore = vi.fn(() => void (this.minimized = false))
  maximize = vi.fn(() => void (this.maximized = true))
  isVisible = vi.fn(() => this.visible)
  isMaximized = vi.fn(() => this.maximized)
  isMinimized = vi.fn(() => this.minimized)
  isDestroyed = vi.fn(() => this.destroyed)
  getNormalBounds = vi.fn(() => ({ ...this.bounds }))
  getBounds = vi.fn(() => ({ ...this.bounds }))
  setBounds = vi.fn((bounds: Rect) => void (this.bounds = { ...bounds }))
  /** Like Electron: 'close' may be prevented; otherwise the window is destroyed and 'closed'. */
  close = vi.fn(() => {
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (!prevented) this.destroy()
  })
  destroy = vi.fn(() => {
    if (this.destroyed) return
    this.destroyed = true
    this.emit('closed')
  })

  constructor(readonly options: Partial<Rect> & Record<string, unknown> = {}) {
    super()
    this.bounds = {
      x: options.x ?? 100,
      y: options.y ?? 100,
      width: options.width ?? 800,
      height: options.height ?? 600,
    }
    FakeBrowserWindow.all.push(this)
  }
}

export const BrowserWindow = vi.fn(FakeBrowserWindow)
Object.assign(BrowserWindow, { getAllWindows: FakeBrowserWindow.getAllWindows })

export default {
  app,
  ipcMain,
  ipcRenderer,
  contextBridge,
  protocol,
  net,
  shell,
  safeStorage,
  clipboard,
  screen,
  nativeImage,
  Menu,
  Tray,
  Notification,
  BrowserWindow,
}
