import BetterSqlite3 from 'better-sqlite3'
import type { KeyWrapperBackend } from './key-wrapper'

const backends: readonly KeyWrapperBackend[] = ['safe-storage', 'key-file', 'passphrase']

/**
 * Which wrapper sealed the data key of the database at `file`, read before the core opens it, so
 * a shell can keep using the wrapper a data folder was set up with (a folder sealed with the key
 * file stays readable after an OS keychain appears, and the other way round fails with a clear
 * message instead of creating a second data key). Undefined for a new folder, or when the file
 * cannot be read: opening the core then reports the real problem.
 *
 * Read-only and without migrations: it never creates or changes the database.
 */
export function readRecordedKeyBackend(file: string): KeyWrapperBackend | undefined {
  let db: BetterSqlite3.Database | undefined
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true })
    const row = db.prepare('SELECT backend FROM secrets_meta WHERE id = 1').get() as
      { backend: unknown } | undefined
    const backend = row?.backend
    return backends.find((known) => known === backend)
  } catch {
    return undefined
  } finally {
    db?.close()
  }
}
