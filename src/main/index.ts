import path from 'node:path'
import { app, BrowserWindow, ipcMain } from 'electron'
import { DATABASE_FILE_NAME, KeyPoolCore } from '../core/keypool-core'
import { createConsoleLogger } from '../core/logger'
import { PASSPHRASE_ENV } from '../core/secrets/passphrase-wrapper'
import { applyV8Tuning } from '../core/v8-tuning'
import { readRecordedKeyBackend } from '../core/secrets/recorded-key-backend'
import { handleAppProtocol, registerAppScheme } from './app-protocol'
import { chooseKeyWrapper } from './choose-key-wrapper'
import { CoreEventBridge } from './core-event-bridge'
import { DesktopNotifier } from './desktop-notifier'
import { readDesktopEnv, secureDataDir } from './desktop-env'
import { registerIpcAdapter } from './ipc-adapter'
import { syncLaunchAtLogin, wasLaunchedAtLogin } from './login-item'
import { readHealthInput, validateInvalidKeys } from './pool-bridge'
import { ProxyController } from './proxy-controller'
import { resourcesDir } from './resource-paths'
import { readShellFlags, SHELL_FLAGS_FILE_NAME, writeShellFlags } from './shell-flags'
import { exposeSmokeProbe } from './smoke-probe'
import { TrayController } from './tray-controller'
import { WindowController } from './window-controller'
import { WINDOW_STATE_FILE_NAME } from './window-state'

/** How long quitting lets in-flight streams finish before they are cut (SECURITY.md P9). */
const STOP_DEADLINE_MS = 10_000

applyV8Tuning()
const logger = createConsoleLogger()
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const env = readDesktopEnv(process.env, (message) => logger.warn(message))
// Before the single-instance lock, which is held per userData folder.
if (env.dataDir) app.setPath('userData', env.dataDir)

registerAppScheme()

if (!app.requestSingleInstanceLock()) {
  // D2: another KeyPool owns the data folder; it shows its window on 'second-instance'.
  logger.info('KeyPool is already running; showing its window instead')
  app.quit()
} else {
  const resources = resourcesDir(app.isPackaged, process.resourcesPath)
  const iconPath = path.join(resources, 'icon.png')
  const userData = (file: string): string => path.join(app.getPath('userData'), file)
  let core: KeyPoolCore | undefined
  let windows: WindowController | undefined
  let proxy: ProxyController | undefined
  let tray: TrayController | undefined
  let notifier: DesktopNotifier | undefined
  let bridge: CoreEventBridge | undefined
  let loginItemApplied: boolean | undefined

  const showWindow = (): void => windows?.show()

  const refreshTray = (): void => {
    if (!core || !tray || !proxy) return
    const input = readHealthInput(core)
    const launchAtLogin = core.settings.get().desktop.launchAtLogin
    tray.update(input, { baseUrl: proxy.baseUrl(), launchAtLogin })
    notifier?.observePool(input)
  }

  /** The setting is the truth; the OS login item follows it (from the tray or Settings alike). */
  const applyLaunchAtLogin = (wanted: boolean): void => {
    if (loginItemApplied === wanted) return
    loginItemApplied = wanted
    try {
      syncLaunchAtLogin(wanted)
    } catch (error) {
      logger.warn('could not change launch at login', { error: (error as Error).message })
    }
  }

  app.on('second-instance', showWindow)
  app.on('activate', showWindow)

  app
    .whenReady()
    .then(async () => {
      const dataDir = app.getPath('userData')
      secureDataDir(dataDir)
      // After 'ready': safeStorage reports its Linux backend only then.
      const { wrapper: keyWrapper, notes } = chooseKeyWrapper({
        dataDir,
        passphrase: process.env[PASSPHRASE_ENV],
        recorded: readRecordedKeyBackend(path.join(dataDir, DATABASE_FILE_NAME)),
      })
      for (const note of notes) logger.info(note)
      const opened = KeyPoolCore.open({ dataDir, logger, keyWrapper })
      core = opened
      handleAppProtocol(path.join(import.meta.dirname, '../renderer'))
      registerIpcAdapter({
        ipcMain,
        router: opened.router,
        events: opened.events,
        targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
        devServerUrl,
      })

      const flagsFile = userData(SHELL_FLAGS_FILE_NAME)
      notifier = new DesktopNotifier({
        toggles: () => opened.settings.get().notifications,
        iconPath,
        onClick: showWindow,
        trayNoticeShown: readShellFlags(flagsFile).trayNoticeShown,
        onTrayNoticeShown: () => writeShellFlags(flagsFile, { trayNoticeShown: true }),
      })
      windows = new WindowController({
        stateFile: userData(WINDOW_STATE_FILE_NAME),
        devServerUrl,
        iconPath,
        closeToTray: () => opened.settings.get().desktop.closeToTray,
        onHiddenToTray: () => notifier?.closedToTray(),
      })
      proxy = new ProxyController(opened, {
        logger,
        port: env.port,
        stopDeadlineMs: STOP_DEADLINE_MS,
        onChange: refreshTray,
      })
      const proxyControl = proxy
      tray = new TrayController({
        iconsDir: path.join(resources, 'tray'),
        actions: {
          openWindow: showWindow,
          startProxy: () => proxyControl.start(),
          stopProxy: () => proxyControl.stop(),
          validateInvalidKeys: () => validateInvalidKeys(opened),
          setLaunchAtLogin: (enabled) => {
            opened.settings.update({ desktop: { launchAtLogin: enabled } })
          },
          quit: () => app.quit(),
        },
        onError: (action, error) =>
          logger.error('tray action failed', { action, error: (error as Error).message }),
      })
      exposeSmokeProbe(process.env, {
        trayExists: () => tray !== undefined && !tray.tray.isDestroyed(),
        trayHealth: () => tray?.currentHealth,
        proxyUrl: () => proxyControl.url,
      })

      bridge = new CoreEventBridge({ core: opened, refresh: refreshTray, notifier })
      bridge.start()
      // Direct, not coalesced: a toggle in the tray menu shows its new state at once.
      opened.events.on('settings.changed', (settings) => {
        applyLaunchAtLogin(settings.desktop.launchAtLogin)
        refreshTray()
      })
      const { desktop } = opened.settings.get()
      applyLaunchAtLogin(desktop.launchAtLogin)
      refreshTray()
      if (desktop.startProxyOnLaunch) await proxy.start()
      // Started by the OS at login: stay in the tray until the user opens the window.
      if (!wasLaunchedAtLogin(process.argv)) showWindow()
    })
    .catch((error: unknown) => {
      logger.error('KeyPool failed to start', { error: String(error) })
      void (core?.close(0) ?? Promise.resolve()).finally(() => app.exit(1))
    })

  // Quit (tray, menu, Cmd+Q, signal): stop the proxy gracefully, close the store, then exit.
  let stopping = false
  app.on('before-quit', (event) => {
    windows?.prepareToQuit()
    if (stopping || !core) return
    event.preventDefault()
    stopping = true
    bridge?.stop()
    notifier?.dispose()
    tray?.destroy()
    core
      .close(STOP_DEADLINE_MS)
      .catch((error: unknown) => logger.error('unclean stop', { error: String(error) }))
      .finally(() => app.exit(0))
  })

  app.on('window-all-closed', () => {
    // Reached only when closing does not hide to the tray; macOS apps stay in the dock.
    if (process.platform !== 'darwin') app.quit()
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())
}
