import fs from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import type { BackupEntry, BackupReason, BackupRestoreResult } from '../../shared/contract/backups'
import type { Settings } from '../../shared/contract/settings'
import type { Clock } from '../clock'
import { AppError } from '../errors'
import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import type { KeyWrapper } from '../secrets/key-wrapper'
import type { Database } from '../store/database'
import { migrate, type Migration } from '../store/migration'
import { migrations as allMigrations } from '../store/migrations'
import { SecretsMetaRepository } from '../store/secrets-meta-repository'
import { BackupDirectory } from './backup-directory'
import { backupName } from './backup-name'
import { replaceDatabaseContents } from './replace-database-contents'
import { resealUpstreamKeys } from './reseal-upstream-keys'
import { sqliteDetail, verifyBackupFile, type VerifiedBackup } from './verify-backup-file'
import { writeBackupFile } from './write-backup-file'

export interface BackupServiceDependencies {
  database: Database
  dataDir: string
  keyWrapper: KeyWrapper
  clock: Clock
  events: EventBus
  logger: Logger
  settings: () => Settings
  migrations?: readonly Migration[]
  /** Writes the pending usage batches, so a backup holds every request counted so far. */
  flush: () => void
  /** Stops what writes on its own before a restore (a validation run); may be called twice. */
  quiesce: () => Promise<void> | void
  /** Rebuilds every in-memory state (settings, pool, sub-keys, stats) from the restored store. */
  reload: () => void
}

const busy = (): AppError =>
  new AppError('conflict', 'A backup or restore is already running; try again in a moment')

/**
 * Backups of the database (SECURITY D6, SPEC §9): made with SQLite's online backup API into a
 * work file, verified, then renamed into `<dataDir>/backups`. They hold what the database holds,
 * so upstream keys only as ciphertext (S1). A restore verifies the backup, keeps a safety copy of
 * the live data, and replaces the live rows in one transaction; any failure leaves the live data
 * as it was. One operation at a time.
 */
export class BackupService {
  readonly directory: BackupDirectory
  private readonly migrations: readonly Migration[]
  private running: Promise<unknown> | undefined
  private closed = false

  constructor(private readonly deps: BackupServiceDependencies) {
    this.directory = new BackupDirectory(deps.dataDir)
    this.migrations = deps.migrations ?? allMigrations
    this.directory.removeStaleWorkFiles()
  }

  list(): BackupEntry[] {
    return this.directory.list()
  }

  /** The newest backup of one kind (the scheduler's reference point). */
  newest(reason: BackupReason): BackupEntry | undefined {
    return this.list().find((entry) => entry.reason === reason)
  }

  /** Whether a backup or restore is running now. */
  get busy(): boolean {
    return this.running !== undefined
  }

  /** Backs up now; manual and scheduled backups each keep the newest `data.backupKeep`. */
  create(reason: 'manual' | 'scheduled' = 'manual'): Promise<BackupEntry> {
    return this.exclusive(async () => {
      const entry = await this.write(reason)
      this.prune(reason)
      this.changed()
      return entry
    })
  }

  delete(name: string): { deleted: number } {
    if (this.running) throw busy()
    const deleted = this.directory.remove(name) ? 1 : 0
    if (deleted === 0) throw notFound(name)
    this.changed()
    return { deleted }
  }

  /** Applies a lowered `backupKeep` at once (after a running operation, which prunes anyway). */
  pruneAll(): void {
    if (this.running || this.closed) return
    if (this.pruneEveryKind().length > 0) this.changed()
  }

  /**
   * Replaces the live data with backup `name`. In order: stage a copy of the backup and verify
   * it (integrity, version, tables, key protection), bring it to this schema version and this
   * installation's data key; quiet the writers; back up the live data (`pre-restore`); replace
   * the live rows in one transaction; rebuild the in-memory state. Nothing before the last
   * step changes the live data, and the last step is all or nothing.
   */
  restore(name: string): Promise<BackupRestoreResult> {
    return this.exclusive(async () => {
      if (!this.directory.exists(name)) throw notFound(name)
      this.directory.ensure()
      const staging = this.directory.workFile('staging', name)
      let safety: BackupEntry
      const started = performance.now()
      try {
        fs.copyFileSync(this.directory.file(name), staging, fs.constants.COPYFILE_EXCL)
        if (process.platform !== 'win32') fs.chmodSync(staging, 0o600)
        this.stage(staging, await verifyBackupFile(staging, this.deps.keyWrapper, this.migrations))
        await this.deps.quiesce()
        safety = await this.write('pre-restore')
        await this.deps.quiesce()
        // Counters of requests that finished meanwhile belong to the data being replaced.
        this.deps.flush()
        replaceDatabaseContents(this.deps.database, staging)
      } catch (error) {
        throw asBackupError(error, 'The backup could not be restored')
      } finally {
        removeWorkFile(staging)
      }
      try {
        this.deps.reload()
      } catch (error) {
        this.deps.logger.error('restored, but reloading the in-memory state failed', {
          error: error instanceof Error ? error.message : String(error),
        })
      }
      this.deps.logger.info('backup restored', {
        name,
        safetyBackup: safety.name,
        ms: Math.round(performance.now() - started),
      })
      // The restored settings may keep fewer; the safety copy is the newest of its kind.
      this.pruneEveryKind()
      this.changed()
      return { restoredFrom: name, safetyBackup: safety.name }
    })
  }

  /** Waits for a running operation; later calls are refused. Called before the store closes. */
  async close(): Promise<void> {
    this.closed = true
    await this.running?.catch(() => undefined)
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new AppError('unavailable', 'KeyPool is shutting down')
    if (this.running) throw busy()
    const running = work()
    this.running = running
    try {
      return await running
    } finally {
      this.running = undefined
    }
  }

  /** Writes, verifies and commits one backup of the live database. */
  private async write(reason: BackupReason): Promise<BackupEntry> {
    this.directory.ensure()
    let at = this.deps.clock.now()
    let name = backupName(at, reason)
    while (this.directory.exists(name)) name = backupName(++at, reason)
    const work = this.directory.workFile('partial', name)
    const started = performance.now()
    try {
      this.deps.flush()
      await writeBackupFile(this.deps.database, work)
      const verified = await verifyBackupFile(work, this.deps.keyWrapper, this.migrations)
      verified.dataKey?.fill(0)
      this.directory.commit(work, name)
    } catch (error) {
      removeWorkFile(work)
      throw asBackupError(error, 'The backup could not be written', true)
    }
    const entry = this.list().find((candidate) => candidate.name === name)
    if (!entry)
      throw new AppError('backup_failed', 'The backup vanished right after it was written')
    this.deps.logger.info('backup written', {
      name,
      sizeBytes: entry.sizeBytes,
      ms: Math.round(performance.now() - started),
    })
    return entry
  }

  /**
   * Brings the staged copy to this schema version and this installation's data key, so the swap
   * copies rows between identical schemas and the running cipher opens every restored key.
   */
  private stage(file: string, verified: VerifiedBackup): void {
    const staging = new BetterSqlite3(file, { fileMustExist: true })
    let liveKey: Buffer | undefined
    try {
      migrate(staging, this.migrations)
      const liveWrapped = new SecretsMetaRepository(this.deps.database).read()
      if (!liveWrapped) throw new AppError('backup_failed', 'The live data has no data key')
      liveKey = this.deps.keyWrapper.unwrap(liveWrapped.wrapped)
      const now = this.deps.clock.now()
      if (verified.dataKey) {
        resealUpstreamKeys(staging, { backup: verified.dataKey, live: liveKey, liveWrapped }, now)
      } else {
        const keys = staging.prepare('SELECT count(*) AS n FROM upstream_keys').get() as {
          n: number
        }
        if (keys.n > 0) {
          throw new AppError('backup_invalid', 'The backup holds upstream keys but no data key')
        }
        staging
          .prepare(
            `INSERT OR REPLACE INTO secrets_meta (id, backend, wrapped_key, created_at, updated_at)
             VALUES (1, ?, ?, ?, ?)`,
          )
          .run(liveWrapped.backend, liveWrapped.wrapped, now, now)
      }
    } finally {
      verified.dataKey?.fill(0)
      liveKey?.fill(0)
      staging.close()
    }
  }

  private pruneEveryKind(): string[] {
    return (['manual', 'scheduled', 'pre-restore'] as const).flatMap((reason) => this.prune(reason))
  }

  private prune(reason: BackupReason): string[] {
    try {
      return this.directory.prune(reason, this.deps.settings().data.backupKeep)
    } catch (error) {
      this.deps.logger.warn('old backups could not be pruned', { error: sqliteDetail(error) })
      return []
    }
  }

  private changed(): void {
    this.deps.events.emit('backups.changed', this.list())
  }
}

const notFound = (name: string): AppError =>
  new AppError('not_found', `There is no backup named ${name}`)

/**
 * Expected refusals keep their code; anything else (a full disk, a permission, SQLite's own
 * error) becomes `backup_failed` with its cause, which names the failure and never the data.
 */
function asBackupError(error: unknown, what: string, writing = false): AppError {
  if (error instanceof AppError && !(writing && error.code === 'backup_invalid')) return error
  return new AppError('backup_failed', `${what}: ${sqliteDetail(error)}`)
}

function removeWorkFile(file: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm'])
    fs.rmSync(`${file}${suffix}`, { force: true })
}
