import BetterSqlite3 from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { AppError } from '../errors'
import { DATA_KEY_BYTES, type KeyWrapper } from '../secrets/key-wrapper'
import type { Migration } from '../store/migration'
import {
  BackupFileUnreadableError,
  readBackupFileFactsOffThread,
  type BackupFileFacts,
} from './backup-file-facts'

/** What a verified backup holds, as far as a restore needs to know. */
export interface VerifiedBackup {
  /** Its `PRAGMA user_version`: never above this KeyPool's. */
  userVersion: number
  /**
   * The data key its upstream keys are encrypted under, unwrapped; undefined when it holds no
   * key material (a database from before the first key). The caller zero-fills it.
   */
  dataKey: Buffer | undefined
}

const invalid = (detail: string): AppError =>
  new AppError('backup_invalid', `The backup is damaged or not a KeyPool database: ${detail}`)

/**
 * Proves a backup file can be restored without loss or lock-out (SECURITY D6): it opens read-only,
 * `PRAGMA integrity_check` is `ok`, its schema version is one this KeyPool understands, it has
 * every table that version implies, and its wrapped data key opens with this installation's key
 * wrapper. Throws an `AppError` with a stable code (`backup_invalid`, `backup_too_new`,
 * `backup_key_mismatch`); never changes the file. The file is read on a worker thread.
 */
export async function verifyBackupFile(
  file: string,
  keyWrapper: KeyWrapper,
  migrations: readonly Migration[],
  read: (file: string) => Promise<BackupFileFacts> = readBackupFileFactsOffThread,
): Promise<VerifiedBackup> {
  let facts: BackupFileFacts
  try {
    facts = await read(file)
  } catch (error) {
    if (error instanceof BackupFileUnreadableError) throw invalid(sqliteDetail(error))
    throw error
  }
  if (facts.integrity.length !== 1 || facts.integrity[0] !== 'ok') {
    throw invalid(`integrity check failed (${facts.integrity[0] ?? 'no answer'})`)
  }
  const { userVersion } = facts
  if (userVersion > migrations.length) {
    throw new AppError(
      'backup_too_new',
      `The backup has schema version ${userVersion}, but this KeyPool understands up to ` +
        `${migrations.length}: it was made by a newer KeyPool`,
    )
  }
  if (userVersion < 1) throw invalid('no KeyPool schema')
  const present = new Set(facts.tables)
  const missing = expectedTables(migrations, userVersion).filter((name) => !present.has(name))
  if (missing.length > 0) throw invalid(`missing ${missing.join(', ')}`)
  return {
    userVersion,
    dataKey: facts.secretsMeta ? unwrap(facts.secretsMeta, keyWrapper) : undefined,
  }
}

function unwrap(meta: { backend: string; wrappedKey: Buffer }, keyWrapper: KeyWrapper): Buffer {
  let dataKey: Buffer
  try {
    dataKey = keyWrapper.unwrap(meta.wrappedKey)
  } catch {
    throw new AppError(
      'backup_key_mismatch',
      `The upstream keys in this backup are protected by ${meta.backend}, which this ` +
        `KeyPool (${keyWrapper.describe().backend}) cannot unlock; restoring it would lock them out`,
    )
  }
  if (dataKey.length !== DATA_KEY_BYTES) {
    dataKey.fill(0)
    throw invalid('its data key has the wrong length')
  }
  return dataKey
}

/** The tables of one schema of a connection, without SQLite's own. */
export function tableNames(db: Database, schema = 'main'): string[] {
  return (
    db
      .prepare(
        `SELECT name FROM "${schema}".sqlite_schema
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((row) => row.name)
}

const tablesByVersion = new Map<string, string[]>()

/** The tables migrations 1..version create, found by running them on an empty in-memory db. */
function expectedTables(migrations: readonly Migration[], version: number): string[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version).slice(0, version)
  const cacheKey = sorted.map((migration) => `${migration.version}:${migration.name}`).join('|')
  let tables = tablesByVersion.get(cacheKey)
  if (!tables) {
    const scratch = new BetterSqlite3(':memory:')
    try {
      for (const migration of sorted) migration.up(scratch)
      tables = tableNames(scratch)
    } finally {
      scratch.close()
    }
    tablesByVersion.set(cacheKey, tables)
  }
  return tables
}

/** SQLite's error code and message: they name the damage, never the data. */
export function sqliteDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message
}
