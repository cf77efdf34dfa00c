import fs from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import type { Database } from 'better-sqlite3'

/** Pages copied per step: small steps keep the event loop (and the proxy) moving meanwhile. */
const PAGES_PER_STEP = 256

/**
 * Copies the live database into `file` with SQLite's online backup API (SECURITY D6): a
 * consistent snapshot while the app keeps writing, in steps between turns of the event loop.
 * The file is created 0600 before the first byte, switched to a self-contained rollback-journal
 * database (no -wal or -shm beside it, so it opens read-only and copies as one file) and
 * flushed to disk. The caller verifies it and renames it into place.
 */
export async function writeBackupFile(live: Database, file: string): Promise<void> {
  fs.closeSync(fs.openSync(file, 'wx', 0o600))
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600)
  await live.backup(file, { progress: () => PAGES_PER_STEP })
  const copy = new BetterSqlite3(file, { fileMustExist: true })
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
  // Off the main thread: an fsync of a large file can take a while on a slow disk.
  const handle = await fs.promises.open(file, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Makes a rename inside `dir` durable; a no-op where directories cannot be opened (Windows). */
export function fsyncDirectory(dir: string): void {
  let fd: number
  try {
    fd = fs.openSync(dir, 'r')
  } catch {
    return
  }
  try {
    fs.fsyncSync(fd)
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  } finally {
    fs.closeSync(fd)
  }
}
