import type { Database } from 'better-sqlite3'

/** One forward-only schema step. `version` is the `PRAGMA user_version` it leaves behind. */
export interface Migration {
  readonly version: number
  readonly name: string
  up(db: Database): void
}

/** Raised when the database was written by a newer KeyPool than this one. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `This database has schema version ${found}, but this KeyPool only understands up to ` +
        `version ${supported}. It was written by a newer KeyPool: upgrade KeyPool, or point it ` +
        `at another data folder. The database was not changed.`,
    )
    this.name = 'DatabaseTooNewError'
  }
}

/**
 * Brings the schema up to the newest migration. Each migration runs in its own transaction
 * together with the `user_version` bump, so a crash leaves the database at a whole version.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
): { from: number; to: number } {
  const sorted = [...migrations].sort((a, b) => a.version - b.version)
  sorted.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`Migrations must be numbered 1..n without gaps; found ${migration.version}`)
    }
  })
  const latest = sorted.length
  const from = db.pragma('user_version', { simple: true }) as number
  if (from > latest) throw new DatabaseTooNewError(from, latest)
  for (const migration of sorted.slice(from)) {
    db.transaction(() => {
      migration.up(db)
      // PRAGMA does not take bound parameters; the version is an integer we control.
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
  return { from, to: latest }
}
