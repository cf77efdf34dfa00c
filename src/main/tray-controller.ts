import path from 'node:path'
import {
  clipboard,
  Menu,
  nativeImage,
  Tray,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron'
import {
  poolHealth,
  trayTooltip,
  type PoolHealth,
  type PoolHealthInput,
  type PoolHealthThresholds,
} from './pool-health'

/** What the tray menu does; injected so the controller knows nothing of the core. */
export interface TrayActions {
  openWindow(): void
  startProxy(): void | Promise<void>
  stopProxy(): void | Promise<void>
  validateInvalidKeys(): void | Promise<void>
  setLaunchAtLogin(enabled: boolean): void | Promise<void>
  quit(): void
}

/** Shell state the menu shows besides the pool's health. */
export interface TrayShellState {
  /** The URL clients use, e.g. `http://127.0.0.1:8327/v1`. */
  baseUrl: string
  launchAtLogin: boolean
}

export interface TrayControllerOptions {
  /** Folder with `tray-<health>.png` and `trayTemplate-<health>.png` (each with `@2x`). */
  iconsDir: string
  actions: TrayActions
  platform?: NodeJS.Platform
  thresholds?: Partial<PoolHealthThresholds>
  /** Where a failed action is reported (the menu has no other way to show it). */
  onError?: (action: keyof TrayActions | 'copyBaseUrl', error: unknown) => void
}

/** Labels of the menu items, exported so tests and docs name them once. */
export const TRAY_LABELS = {
  open: 'Open KeyPool',
  start: 'Start proxy',
  stop: 'Stop proxy',
  copy: 'Copy base URL',
  validate: 'Validate invalid keys',
  login: 'Launch at login',
  quit: 'Quit KeyPool',
} as const

const STOPPED: PoolHealthInput = {
  proxyRunning: false,
  counts: { active: 0, cooling: 0, exhausted: 0, invalid: 0, disabled: 0, total: 0 },
  requestsLastMinute: 0,
  errorsLastMinute: 0,
}

/**
 * The tray icon, tooltip and menu of SPEC §7, driven from outside by `update()` (the shell calls
 * it on the core's pool events). Icons are swapped only when the health changes, and the menu is
 * rebuilt only when its content changes, because Linux app indicators flicker on every rebuild.
 */
export class TrayController {
  readonly tray: Tray
  private readonly platform: NodeJS.Platform
  private readonly images = new Map<PoolHealth, NativeImage>()
  private health: PoolHealth = 'grey'
  private input: PoolHealthInput = STOPPED
  private state: TrayShellState = { baseUrl: '', launchAtLogin: false }
  private menuKey = ''
  private tooltip = ''

  constructor(private readonly options: TrayControllerOptions) {
    this.platform = options.platform ?? process.platform
    this.tray = new Tray(this.image('grey'))
    // Windows and Linux users expect a left click to open the window; macOS shows the menu.
    if (this.platform !== 'darwin') this.tray.on('click', () => this.run('openWindow'))
    this.render()
  }

  /** The health last shown. */
  get currentHealth(): PoolHealth {
    return this.health
  }

  update(input: PoolHealthInput, state: TrayShellState): void {
    if (this.tray.isDestroyed()) return
    this.input = input
    this.state = state
    this.render()
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy()
  }

  private render(): void {
    const health = poolHealth(this.input, this.options.thresholds)
    if (health !== this.health) {
      this.health = health
      this.tray.setImage(this.image(health))
    }
    const tooltip = trayTooltip(this.input)
    if (tooltip !== this.tooltip) {
      this.tooltip = tooltip
      this.tray.setToolTip(tooltip)
    }
    const template = this.menuTemplate()
    const key = JSON.stringify(template)
    if (key !== this.menuKey) {
      this.menuKey = key
      this.tray.setContextMenu(Menu.buildFromTemplate(template))
    }
  }

  /** The menu as plain data (JSON-comparable apart from the click handlers). */
  private menuTemplate(): MenuItemConstructorOptions[] {
    const { proxyRunning, counts } = this.input
    const { baseUrl, launchAtLogin } = this.state
    return [
      { id: 'status', label: this.tooltip, enabled: false },
      { type: 'separator' },
      { id: 'open', label: TRAY_LABELS.open, click: () => this.run('openWindow') },
      proxyRunning
        ? { id: 'proxy', label: TRAY_LABELS.stop, click: () => this.run('stopProxy') }
        : { id: 'proxy', label: TRAY_LABELS.start, click: () => this.run('startProxy') },
      {
        id: 'copy',
        label: TRAY_LABELS.copy,
        enabled: baseUrl !== '',
        click: () => this.copyBaseUrl(),
      },
      {
        id: 'validate',
        label: TRAY_LABELS.validate,
        enabled: counts.invalid + counts.exhausted > 0,
        click: () => this.run('validateInvalidKeys'),
      },
      { type: 'separator' },
      {
        id: 'login',
        label: TRAY_LABELS.login,
        type: 'checkbox',
        checked: launchAtLogin,
        // Electron flips `checked` before calling click.
        click: (item) => this.run('setLaunchAtLogin', item.checked),
      },
      { type: 'separator' },
      { id: 'quit', label: TRAY_LABELS.quit, click: () => this.run('quit') },
    ]
  }

  private copyBaseUrl(): void {
    try {
      clipboard.writeText(this.state.baseUrl)
    } catch (error) {
      this.options.onError?.('copyBaseUrl', error)
    }
  }

  private run<A extends keyof TrayActions>(action: A, ...args: Parameters<TrayActions[A]>): void {
    const fail = (error: unknown): void => this.options.onError?.(action, error)
    try {
      const call = this.options.actions[action] as (...a: unknown[]) => unknown
      Promise.resolve(call(...args)).catch(fail)
    } catch (error) {
      fail(error)
    }
  }

  private image(health: PoolHealth): NativeImage {
    let image = this.images.get(health)
    if (image) return image
    const mac = this.platform === 'darwin'
    // Electron picks the `@2x` file beside it on high-DPI screens.
    const file = path.join(this.options.iconsDir, `${mac ? 'trayTemplate' : 'tray'}-${health}.png`)
    image = nativeImage.createFromPath(file)
    // The file name does not end in "Template", so the flag is set explicitly.
    if (mac) image.setTemplateImage(true)
    this.images.set(health, image)
    return image
  }
}
