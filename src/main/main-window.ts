import path from 'node:path'
import { BrowserWindow, shell, type BrowserWindowConstructorOptions } from 'electron'
import { APP_ORIGIN } from './sender-check'
import { DEFAULT_WINDOW_STATE, MIN_WINDOW_SIZE, type WindowState } from './window-state'

/** https origins the app may open in the user's browser (docs, releases). */
const EXTERNAL_ALLOW_LIST = ['https://github.com', 'https://platform.openai.com']

/**
 * The hardened window options (SECURITY.md E1); exported so a test can assert them. `state` is
 * the remembered size and position (already checked against the current displays).
 */
export function mainWindowOptions(
  preloadFile: string,
  state: WindowState = DEFAULT_WINDOW_STATE,
  iconPath?: string,
): BrowserWindowConstructorOptions {
  return {
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    ...(iconPath ? { icon: iconPath } : {}),
    show: false,
    title: 'KeyPool',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  }
}

export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return (
      parsed.protocol === 'https:' &&
      EXTERNAL_ALLOW_LIST.some((allowed) => parsed.origin === allowed)
    )
  } catch {
    return false
  }
}

export interface MainWindowOptions {
  devServerUrl?: string
  state?: WindowState
  /** Window and taskbar icon on Linux and Windows (macOS uses the bundle's). */
  iconPath?: string
}

/** Creates the main window: navigation and new windows denied, permissions denied. */
export function createMainWindow(options: MainWindowOptions = {}): BrowserWindow {
  const { devServerUrl, state = DEFAULT_WINDOW_STATE } = options
  const window = new BrowserWindow(
    mainWindowOptions(
      path.join(import.meta.dirname, '../preload/index.cjs'),
      state,
      options.iconPath,
    ),
  )
  const contents = window.webContents
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  )
  contents.session.setPermissionCheckHandler(() => false)
  window.once('ready-to-show', () => {
    if (state.maximized) window.maximize()
    window.show()
  })
  void window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`)
  return window
}
