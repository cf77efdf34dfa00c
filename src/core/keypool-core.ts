import path from 'node:path'
import { subKeyHandlers } from './handlers/sub-key-handlers'
import { SubKeyRepository } from './store/sub-key-repository'
import { SubKeyService } from './sub-keys/sub-key-service'
import { systemHandlers } from './handlers/system-handlers'
import { ConnectionTester } from './sub-keys/connection-tester'
import { ProviderTester } from './validation/provider-tester'
import type { SystemStatus } from '../shared/contract/system'
import pkg from '../../package.json' with { type: 'json' }
import { systemClock, type Clock } from './clock'
import { EventBus } from './events/event-bus'
import { keyHandlers } from './handlers/key-handlers'
import { providerHandlers } from './handlers/provider-handlers'
import { settingsHandlers } from './handlers/settings-handlers'
import { LocalServer } from './http/local-server'
import type { Logger } from './logger'
import { OperationRouter, type OperationHandlers } from './router/operation-router'
import { loadOrCreateDataKey } from './secrets/data-key'
import { KeyCipher } from './secrets/key-cipher'
import { KeyFileWrapper } from './secrets/key-file-wrapper'
import { ParallelSealer } from './secrets/parallel-sealer'
import type { KeyWrapper, KeyWrapperDescription } from './secrets/key-wrapper'
import { KeyService } from './services/key-service'
import { KeyStateService } from './services/key-state-service'
import { ProviderService } from './services/provider-service'
import { SettingsService } from './services/settings-service'
import { closeDatabase, openDatabase, type Database } from './store/database'
import { KeyRepository } from './store/key-repository'
import { KeyTransitionRepository } from './store/key-transition-repository'
import { ProviderRepository } from './store/provider-repository'
import { SecretsMetaRepository } from './store/secrets-meta-repository'
import { SettingsRepository } from './store/settings-repository'
import { validationHandlers } from './handlers/validation-handlers'
import { ValidationScheduler } from './validation/validation-scheduler'
import { ValidationService } from './validation/validation-service'
// Proxy request path (issue 4)
import { ProxyHandler } from './proxy/proxy-handler'
import { KeyRouter } from './routing/key-router'
import { UsageBatchWriter } from './routing/usage-batch-writer'
// Usage accounting and statistics (issue 5)
import { statsHandlers } from './handlers/stats-handlers'
import { RetentionJob } from './usage/retention-job'
import { StatsNotifier } from './usage/stats-notifier'
import { StatsService } from './usage/stats-service'
// Backups (SECURITY D6)
import { BackupScheduler } from './backup/backup-scheduler'
import { BackupService } from './backup/backup-service'
import { backupHandlers } from './handlers/backup-handlers'

export const DATABASE_FILE_NAME = 'keypool.db'

export interface KeyPoolCoreOptions {
  /** Folder for the database and key material; created by the shell with mode 0700. */
  dataDir: string
  logger: Logger
  clock?: Clock
  /**
   * Protects the data key that encrypts upstream keys: Electron `safeStorage` on the desktop, a
   * key file or a passphrase headless. Defaults to a key file in `dataDir` (with a warning).
   */
  keyWrapper?: KeyWrapper
  /**
   * Base URL of the provider created on first start. Defaults to `KEYPOOL_DEFAULT_PROVIDER_URL`
   * from the environment, else OpenAI's API.
   */
  defaultProviderBaseUrl?: string
}

/**
 * The host-neutral product: store, services, the operation router and the local listener.
 * The Electron main process and the headless server each build one and add their transport.
 */
export class KeyPoolCore {
  readonly events: EventBus
  readonly settings: SettingsService
  readonly providers: ProviderService
  readonly keys: KeyService
  readonly keyStates: KeyStateService
  /** Seals large key batches on worker threads. */
  private readonly sealer: ParallelSealer
  readonly subKeys: SubKeyService
  /** Checks keys against their upstream (SPEC §2.3): on add, on demand, on a schedule. */
  readonly validation: ValidationService
  readonly validationScheduler: ValidationScheduler
  /** How upstream keys are protected at rest, for the settings page. */
  readonly keyProtection: KeyWrapperDescription
  readonly router: OperationRouter
  readonly server: LocalServer
  // Proxy request path (issue 4)
  /** Counters of keys and sub-keys, written in batches off the hot path. */
  readonly usage: UsageBatchWriter
  /** The in-memory key pool the proxy chooses from. */
  readonly routing: KeyRouter
  /** `ANY /v1/*`. */
  readonly proxy: ProxyHandler
  // Usage accounting and statistics (issue 5)
  /** Request log, roll-ups, summary and series; fed one record per proxied request. */
  readonly stats: StatsService
  /** Prunes raw log rows past the retention, at start and hourly. */
  readonly retention: RetentionJob
  private readonly statsNotifier: StatsNotifier
  // Backups (SECURITY D6)
  /** Backups in `<dataDir>/backups`: create, list, delete, restore in place. */
  readonly backups: BackupService
  readonly backupScheduler: BackupScheduler
  private closed = false
  private listeningUrl: string | undefined
  private readonly connectionTester = new ConnectionTester(() => this.listeningUrl)

  private constructor(
    readonly database: Database,
    readonly logger: Logger,
    readonly clock: Clock,
    keyWrapper: KeyWrapper,
    defaultProviderBaseUrl: string | undefined,
    dataDir: string,
  ) {
    this.events = new EventBus((error) =>
      logger.error('event listener failed', { error: String(error) }),
    )
    this.settings = new SettingsService(new SettingsRepository(database), this.events, clock)
    this.providers = new ProviderService(new ProviderRepository(database), this.events, clock)
    this.providers.ensureDefault(defaultProviderBaseUrl)

    this.keyProtection = keyWrapper.describe()
    if (this.keyProtection.warning) logger.warn(this.keyProtection.warning)
    const dataKey = loadOrCreateDataKey(
      new SecretsMetaRepository(database),
      keyWrapper,
      clock.now(),
    )
    const cipher = new KeyCipher(dataKey)
    dataKey.fill(0)
    this.sealer = new ParallelSealer(cipher)
    const keyRepository = new KeyRepository(database)
    const history = new KeyTransitionRepository(database)
    this.keyStates = new KeyStateService(keyRepository, history, this.events, clock)
    this.keys = new KeyService({
      keys: keyRepository,
      history,
      states: this.keyStates,
      providers: this.providers,
      cipher,
      sealer: this.sealer,
      events: this.events,
      clock,
      onAdded: (ids) => this.validation.keysAdded(ids),
    })
    this.validation = new ValidationService({
      keys: keyRepository,
      secrets: this.keys,
      states: this.keyStates,
      providers: this.providers,
      settings: this.settings,
      events: this.events,
      clock,
      logger,
    })
    this.validationScheduler = new ValidationScheduler(
      this.validation,
      this.settings,
      this.events,
      logger,
    )

    this.subKeys = new SubKeyService(new SubKeyRepository(database), this.events, clock)

    // Usage accounting and statistics (issue 5): built before the handlers that serve it; its
    // links to the batch writer and the router are called only once requests flow.
    this.stats = new StatsService({
      database,
      clock,
      keyCounts: () => this.routing.counts(),
      enqueue: (request) => this.usage.addRequest(request),
      flushPending: () => this.usage.flush(),
      subKey: (id) => {
        const record = this.subKeys.directory.get(id)?.record
        return record ? { name: record.name, lastUsedAt: record.lastUsedAt } : null
      },
      key: (id) => {
        try {
          return this.keys.get(id)
        } catch {
          return null
        }
      },
    })

    // Backups (SECURITY D6): a restore replaces the rows under the open connection, so the
    // services stay; what they hold in memory is re-read from the restored store.
    this.backups = new BackupService({
      database,
      dataDir,
      keyWrapper,
      clock,
      events: this.events,
      logger,
      settings: () => this.settings.get(),
      flush: () => this.stats.flushAll(),
      quiesce: async () => {
        this.validation.cancel()
        await this.validation.whenIdle()
      },
      reload: () => {
        this.settings.reload()
        this.subKeys.reload()
        this.stats.reload()
        this.events.emit('providers.changed', this.providers.list())
        this.events.emit('keys.changed', {})
      },
    })
    this.backupScheduler = new BackupScheduler(
      this.backups,
      () => this.settings.get(),
      this.events,
      clock,
      logger,
    )

    const handlers: OperationHandlers = {
      ...settingsHandlers(this.settings),
      ...providerHandlers(this.providers),
      ...keyHandlers(this.keys),
      ...validationHandlers(this.validation),
      ...subKeyHandlers(this.subKeys),
      ...statsHandlers(this.stats),
      ...systemHandlers(() => this.status()),
      ...backupHandlers(this.backups),
      'subKeys.testConnection': ({ secret }) => this.connectionTester.run(secret),
      'providers.test': ({ id }) =>
        new ProviderTester(this.providers, this.keys, () => this.clock.now()).test(id),
    }
    this.router = new OperationRouter(handlers, logger)
    this.server = new LocalServer({
      logger,
      guardSettings: () => this.settings.get().proxy,
    })
    this.validationScheduler.start()

    // Proxy request path (issue 4)
    this.usage = new UsageBatchWriter(
      {
        transaction: (work) => database.transaction(work)(),
        writeKeys: (deltas) => this.keys.recordUsage(deltas),
        writeSubKeys: (deltas) => this.subKeys.recordUsage(deltas),
        writeRequests: (requests) => this.stats.write(requests),
      },
      { logger, now: () => clock.now() },
    )
    this.routing = new KeyRouter({
      keys: this.keys,
      states: this.keyStates,
      providers: () => this.providers.list(),
      settings: () => this.settings.get(),
      events: this.events,
      clock,
      logger,
      usage: this.usage,
    })
    this.routing.start()
    this.proxy = new ProxyHandler({
      subKeys: this.subKeys,
      router: this.routing,
      usage: this.usage,
      settings: () => this.settings.get(),
      events: this.events,
      clock,
      logger,
      recorder: this.stats,
    })
    this.server.mount('/v1', this.proxy.handle)

    // Usage accounting and statistics (issue 5)
    this.statsNotifier = new StatsNotifier(this.stats, this.events, logger)
    this.statsNotifier.start()
    this.retention = new RetentionJob({
      database,
      clock,
      settings: () => this.settings.get(),
      logger,
    })
    this.retention.start()
    this.backupScheduler.start()
  }

  static open(options: KeyPoolCoreOptions): KeyPoolCore {
    const database = openDatabase(path.join(options.dataDir, DATABASE_FILE_NAME))
    try {
      return new KeyPoolCore(
        database,
        options.logger,
        options.clock ?? systemClock,
        options.keyWrapper ?? new KeyFileWrapper(options.dataDir),
        options.defaultProviderBaseUrl ?? (process.env.KEYPOOL_DEFAULT_PROVIDER_URL || undefined),
        options.dataDir,
      )
    } catch (error) {
      database.close()
      throw error
    }
  }

  /** What the UI shows about this installation: version, key protection, proxy address. */
  status(): SystemStatus {
    return {
      version: pkg.version,
      keyProtection: {
        backend: this.keyProtection.backend,
        warning: this.keyProtection.warning ?? null,
      },
      proxy: {
        listening: this.server.listening,
        baseUrl: this.server.listening && this.listeningUrl ? `${this.listeningUrl}/v1` : null,
      },
    }
  }

  /** Starts the listener on the configured (or given) address. */
  async listen(overrides: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    const proxy = this.settings.get().proxy
    const address = await this.server.listen(
      overrides.port ?? proxy.port,
      overrides.host ?? proxy.host,
    )
    // A wildcard bind is reached through loopback from this machine (and passes the Host guard).
    const local =
      address.address === '0.0.0.0'
        ? '127.0.0.1'
        : address.address === '::'
          ? '::1'
          : address.address
    const host = address.family === 'IPv6' ? `[${local}]` : local
    this.listeningUrl = `http://${host}:${address.port}`
    return { url: this.listeningUrl }
  }

  /** Graceful stop: drain the listener until the deadline, then checkpoint and close the store. */
  async close(deadlineMs = 10_000): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.validationScheduler.stop()
    this.backupScheduler.stop()
    await this.validation.close()
    await this.server.close(deadlineMs)
    // A backup or restore in progress finishes before the store closes under it.
    await this.backups.close()
    // Proxy request path (issue 4): cut what the deadline left, then write the last counters.
    await this.proxy.close()
    this.routing.stop()
    // Usage accounting and statistics (issue 5): the last log rows go with the last counters.
    this.statsNotifier.stop()
    this.retention.stop()
    this.usage.stop()
    this.stats.flushRollups()
    await this.sealer.close()
    closeDatabase(this.database)
  }
}
