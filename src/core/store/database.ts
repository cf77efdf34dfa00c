import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { DatabaseTooNewError, migrate, type Migration } from './migration'
import { migrations as allMigrations } from './migrations'

export type { Database } from 'better-sqlite3'

export interface OpenDatabaseOptions {
  migrations?: readonly Migration[]
  /** Milliseconds a writer waits for a lock before SQLITE_BUSY. */
  busyTimeoutMs?: number
}

export const WAL_AUTOCHECKPOINT_PAGES = 1_000
export const JOURNAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024

/** The pragmas KeyPool relies on, and the value each must read back as. */
const requiredPragmas = (busyTimeoutMs: number) =>
  [
    // WAL: readers never block the writer; a crash loses no committed transaction.
    ['journal_mode', 'WAL', 'wal'],
    // NORMAL in WAL mode is durable across process crashes (kill -9); only power loss may
    // drop the last transactions, which is the usual trade for a desktop app.
    ['synchronous', 'NORMAL', 1],
    ['foreign_keys', 'ON', 1],
    ['busy_timeout', String(busyTimeoutMs), busyTimeoutMs],
    // SECURITY D7, the WAL stays bounded: a checkpoint runs once the WAL holds this many pages
    // (SQLite's default, 4 MB at 4 KB pages, set explicitly so it is read back). Only this one
    // connection reads and writes, so nothing pins an old snapshot and each checkpoint
    // completes; the next write then starts the WAL over from its beginning.
    ['wal_autocheckpoint', String(WAL_AUTOCHECKPOINT_PAGES), WAL_AUTOCHECKPOINT_PAGES],
    // A WAL reset after a large transaction (a bulk add of 100,000 keys, a restore) truncates
    // the file back to this size instead of keeping the high-water mark on disk.
    ['journal_size_limit', String(JOURNAL_SIZE_LIMIT_BYTES), JOURNAL_SIZE_LIMIT_BYTES],
  ] as const

/**
 * Opens (creating if needed, with mode 0600) the SQLite database at `file`, applies and verifies
 * the pragmas, and migrates the schema. Throws a clear error when a pragma does not stick or the
 * database is from a newer KeyPool.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  // Create the file ourselves so it is 0600 from the first byte; SQLite gives the -wal and
  // -shm files the same mode as the database.
  fs.closeSync(fs.openSync(file, 'a', 0o600))
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600)

  const db = new BetterSqlite3(file)
  try {
    const migrations = options.migrations ?? allMigrations
    // Refuse a newer database before any pragma touches its header.
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > migrations.length) throw new DatabaseTooNewError(version, migrations.length)
    for (const [name, value, expected] of requiredPragmas(busyTimeoutMs)) {
      db.pragma(`${name} = ${value}`)
      const actual = db.pragma(name, { simple: true })
      if (actual !== expected) {
        throw new Error(`SQLite refused PRAGMA ${name} = ${value} (reads back ${String(actual)})`)
      }
    }
    migrate(db, migrations)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** Checkpoints the WAL into the main file and closes; used at a clean stop. */
export function closeDatabase(db: Database): void {
  if (!db.open) return
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}
