import path from 'node:path'
import { app, BrowserWindow, ipcMain } from 'electron'
import { KeyPoolCore } from '../core/keypool-core'
import { createConsoleLogger } from '../core/logger'
import { handleAppProtocol, registerAppScheme } from './app-protocol'
import { registerIpcAdapter } from './ipc-adapter'
import { createMainWindow } from './main-window'

const logger = createConsoleLogger()
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined

registerAppScheme()

if (!app.requestSingleInstanceLock()) {
  // Another KeyPool owns the data folder; it will focus its window.
  app.quit()
} else {
  let window: BrowserWindow | undefined
  let core: KeyPoolCore | undefined

  app.on('second-instance', () => {
    if (!window) return
    if (window.isMinimized()) window.restore()
    window.show()
    window.focus()
  })

  app
    .whenReady()
    .then(async () => {
      core = KeyPoolCore.open({ dataDir: app.getPath('userData'), logger })
      handleAppProtocol(path.join(import.meta.dirname, '../renderer'))
      registerIpcAdapter({
        ipcMain,
        router: core.router,
        events: core.events,
        targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
        devServerUrl,
      })
      if (core.settings.get().desktop.startProxyOnLaunch) {
        try {
          const { url } = await core.listen()
          logger.info('proxy listening', { url })
        } catch (error) {
          logger.error('proxy could not start', { error: (error as Error).message })
        }
      }
      window = createMainWindow(devServerUrl)
    })
    .catch((error: unknown) => {
      logger.error('KeyPool failed to start', { error: String(error) })
      app.exit(1)
    })

  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting || !core) return
    event.preventDefault()
    quitting = true
    core.close(10_000).finally(() => app.exit(0))
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
