import path from 'node:path'
import { systemClock, type Clock } from './clock'
import { EventBus } from './events/event-bus'
import { providerHandlers } from './handlers/provider-handlers'
import { settingsHandlers } from './handlers/settings-handlers'
import { LocalServer } from './http/local-server'
import type { Logger } from './logger'
import { OperationRouter, type OperationHandlers } from './router/operation-router'
import { ProviderService } from './services/provider-service'
import { SettingsService } from './services/settings-service'
import { closeDatabase, openDatabase, type Database } from './store/database'
import { ProviderRepository } from './store/provider-repository'
import { SettingsRepository } from './store/settings-repository'

export const DATABASE_FILE_NAME = 'keypool.db'

export interface KeyPoolCoreOptions {
  /** Folder for the database and key material; created by the shell with mode 0700. */
  dataDir: string
  logger: Logger
  clock?: Clock
}

/**
 * The host-neutral product: store, services, the operation router and the local listener.
 * The Electron main process and the headless server each build one and add their transport.
 */
export class KeyPoolCore {
  readonly events: EventBus
  readonly settings: SettingsService
  readonly providers: ProviderService
  readonly router: OperationRouter
  readonly server: LocalServer
  private closed = false

  private constructor(
    readonly database: Database,
    readonly logger: Logger,
    readonly clock: Clock,
  ) {
    this.events = new EventBus((error) =>
      logger.error('event listener failed', { error: String(error) }),
    )
    this.settings = new SettingsService(new SettingsRepository(database), this.events, clock)
    this.providers = new ProviderService(new ProviderRepository(database), this.events, clock)
    this.providers.ensureDefault()

    const handlers: OperationHandlers = {
      ...settingsHandlers(this.settings),
      ...providerHandlers(this.providers),
    }
    this.router = new OperationRouter(handlers, logger)
    this.server = new LocalServer({
      logger,
      guardSettings: () => this.settings.get().proxy,
    })
  }

  static open(options: KeyPoolCoreOptions): KeyPoolCore {
    const database = openDatabase(path.join(options.dataDir, DATABASE_FILE_NAME))
    return new KeyPoolCore(database, options.logger, options.clock ?? systemClock)
  }

  /** Starts the listener on the configured (or given) address. */
  async listen(overrides: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    const proxy = this.settings.get().proxy
    const address = await this.server.listen(
      overrides.port ?? proxy.port,
      overrides.host ?? proxy.host,
    )
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return { url: `http://${host}:${address.port}` }
  }

  /** Graceful stop: drain the listener until the deadline, then checkpoint and close the store. */
  async close(deadlineMs = 10_000): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.server.close(deadlineMs)
    closeDatabase(this.database)
  }
}
