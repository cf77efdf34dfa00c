import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'

/** What verifying a backup reads from the file; the judging happens on the main thread. */
export interface BackupFileFacts {
  /** `PRAGMA integrity_check` rows: `['ok']` for a sound file. */
  integrity: string[]
  userVersion: number
  tables: string[]
  secretsMeta: { backend: string; wrappedKey: Buffer } | null
}

/** SQLite could not read the file (not a database, damaged beyond opening). */
export class BackupFileUnreadableError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message)
    this.name = 'BackupFileUnreadableError'
  }
}

const TABLES_SQL = `SELECT name FROM sqlite_schema
  WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`
const META_SQL = 'SELECT backend, wrapped_key FROM secrets_meta WHERE id = 1'

/** Reads the facts on this thread (the fallback, and the reference the worker must agree with). */
export function readBackupFileFacts(file: string): BackupFileFacts {
  let db: BetterSqlite3.Database | undefined
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true })
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map(
      (row) => row.integrity_check,
    )
    const userVersion = db.pragma('user_version', { simple: true }) as number
    const tables = (db.prepare(TABLES_SQL).all() as { name: string }[]).map((row) => row.name)
    const meta = tables.includes('secrets_meta')
      ? (db.prepare(META_SQL).get() as { backend: string; wrapped_key: Buffer } | undefined)
      : undefined
    return {
      integrity,
      userVersion,
      tables,
      secretsMeta: meta ? { backend: meta.backend, wrappedKey: meta.wrapped_key } : null,
    }
  } catch (error) {
    throw unreadable(error)
  } finally {
    db?.close()
  }
}

/**
 * The same reads in a worker thread, as source text (an `eval` worker needs no entry file in
 * either bundle). `PRAGMA integrity_check` walks every page: 0.25 s at 200,000 log rows, seconds
 * at millions. Off the main thread, a daily backup never stalls the proxy for that long.
 */
export const FACTS_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
let Database
try {
  Database = require(workerData.driver)
  // Loads the native addon here, so a host that cannot load it in a worker falls back.
  new Database(':memory:').close()
} catch (error) {
  Database = undefined
  parentPort.postMessage({ ok: false, stage: 'driver', message: String(error && error.message) })
}
let db
if (Database) try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true })
  const integrity = db.pragma('integrity_check').map((row) => row.integrity_check)
  const userVersion = db.pragma('user_version', { simple: true })
  const tables = db.prepare(${JSON.stringify(TABLES_SQL)}).all().map((row) => row.name)
  const meta = tables.includes('secrets_meta') ? db.prepare(${JSON.stringify(META_SQL)}).get() : undefined
  parentPort.postMessage({
    ok: true,
    facts: {
      integrity,
      userVersion,
      tables,
      secretsMeta: meta ? { backend: meta.backend, wrappedKey: meta.wrapped_key } : null,
    },
  })
} catch (error) {
  // SQLite's own errors are about the file; anything else is about running here.
  const stage = error && error.name === 'SqliteError' ? 'file' : 'driver'
  parentPort.postMessage({ ok: false, stage, code: error && error.code, message: String(error && error.message) })
} finally {
  if (db) db.close()
}
`

type WorkerAnswer =
  | { ok: true; facts: BackupFileFacts }
  | { ok: false; stage: 'driver' | 'file'; code?: string; message: string }

let driverPath: string | null | undefined

function resolveDriver(): string | null {
  if (driverPath === undefined) {
    try {
      driverPath = createRequire(import.meta.url).resolve('better-sqlite3')
    } catch {
      driverPath = null
    }
  }
  return driverPath
}

/**
 * Reads the facts in a worker thread; when a worker cannot run here (no driver path, a host that
 * refuses workers), on this thread instead. A file SQLite cannot read rejects with
 * `BackupFileUnreadableError` either way.
 */
export function readBackupFileFactsOffThread(
  file: string,
  source = FACTS_WORKER_SOURCE,
): Promise<BackupFileFacts> {
  const driver = resolveDriver()
  if (driver === null) return Promise.resolve().then(() => readBackupFileFacts(file))
  return new Promise<BackupFileFacts>((resolve, reject) => {
    let settled = false
    const fallback = (): void => {
      if (settled) return
      settled = true
      try {
        resolve(readBackupFileFacts(file))
      } catch (error) {
        reject(error)
      }
    }
    let worker: Worker
    try {
      worker = new Worker(source, { eval: true, workerData: { driver, file } })
    } catch {
      fallback()
      return
    }
    worker.once('message', (answer: WorkerAnswer) => {
      if (settled) return
      if (answer.ok) {
        settled = true
        const { secretsMeta } = answer.facts
        resolve({
          ...answer.facts,
          secretsMeta: secretsMeta && {
            backend: secretsMeta.backend,
            wrappedKey: Buffer.from(secretsMeta.wrappedKey),
          },
        })
      } else if (answer.stage === 'file') {
        settled = true
        reject(new BackupFileUnreadableError(answer.message, answer.code))
      } else {
        fallback()
      }
      void worker.terminate()
    })
    worker.once('error', fallback)
    worker.once('exit', fallback)
  })
}

function unreadable(error: unknown): BackupFileUnreadableError {
  const code = (error as { code?: unknown }).code
  return new BackupFileUnreadableError(
    error instanceof Error ? error.message : String(error),
    typeof code === 'string' ? code : undefined,
  )
}
