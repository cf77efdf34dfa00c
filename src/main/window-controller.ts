import { screen, type BrowserWindow } from 'electron'
import { createMainWindow } from './main-window'
import { loadWindowState, trackWindowState, type WindowStateTracker } from './window-state'

export interface WindowControllerOptions {
  /** File of the remembered size and position (in userData). */
  stateFile: string
  devServerUrl?: string
  iconPath?: string
  /** Read at every close, so the setting applies at once: hide to the tray instead of closing. */
  closeToTray: () => boolean
  /** The window was hidden to the tray (the shell tells the user, once). */
  onHiddenToTray?: () => void
}

/**
 * Owns the one main window: created on first show (a start at login stays in the tray), restored
 * to its remembered bounds, hidden rather than closed while the app keeps running in the tray.
 */
export class WindowController {
  private window: BrowserWindow | undefined
  private tracker: WindowStateTracker | undefined
  private quitting = false

  constructor(private readonly options: WindowControllerOptions) {}

  get current(): BrowserWindow | undefined {
    return this.window && !this.window.isDestroyed() ? this.window : undefined
  }

  /** Brings the window to the front, creating it if needed (then it shows once ready). */
  show(): void {
    const window = this.current
    if (!window) {
      this.window = this.create()
      return
    }
    if (window.isMinimized()) window.restore()
    window.show()
    window.focus()
  }

  /** The app is quitting: save the bounds now and let closing really close. */
  prepareToQuit(): void {
    this.quitting = true
    this.tracker?.flush()
  }

  private create(): BrowserWindow {
    const { stateFile } = this.options
    const workAreas = screen.getAllDisplays().map((display) => display.workArea)
    const window = createMainWindow({
      devServerUrl: this.options.devServerUrl,
      state: loadWindowState(stateFile, workAreas),
      iconPath: this.options.iconPath,
    })
    this.tracker?.dispose()
    this.tracker = trackWindowState(window, stateFile)
    window.on('close', (event) => {
      if (this.quitting || !this.options.closeToTray()) return
      event.preventDefault()
      window.hide()
      this.options.onHiddenToTray?.()
    })
    window.on('closed', () => {
      if (this.window === window) this.window = undefined
    })
    return window
  }
}
