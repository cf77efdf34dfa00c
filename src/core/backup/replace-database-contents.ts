import fs from 'node:fs'
import type { Database } from 'better-sqlite3'
import { AppError } from '../errors'
import { tableNames } from './verify-backup-file'

const SOURCE = 'restore_source'

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

function columns(db: Database, schema: string, table: string): string[] {
  return (db.pragma(`${schema}.table_info(${quote(table)})`) as { name: string }[]).map(
    (column) => column.name,
  )
}

/**
 * Makes the live database hold exactly the rows of `sourceFile` (a verified backup copy at the
 * same schema version), in ONE transaction on the live connection: every table is emptied and
 * refilled from the attached copy, foreign keys checked at commit. Any failure rolls the whole
 * thing back, so the live data is either untouched or fully replaced.
 *
 * The live connection stays open throughout, so every prepared statement of every repository
 * stays valid, and the call is synchronous: no other request runs between the first delete and
 * the commit, and no second connection ever holds the write lock against this one.
 */
export function replaceDatabaseContents(live: Database, sourceFile: string): void {
  // ATTACH would create a missing file as an empty database.
  if (!fs.existsSync(sourceFile)) throw new Error(`The staged copy ${sourceFile} is missing`)
  live.prepare(`ATTACH DATABASE ? AS ${SOURCE}`).run(sourceFile)
  try {
    const tables = tableNames(live)
    const sourceTables = tableNames(live, SOURCE)
    const mismatch =
      tables.join() !== sourceTables.join()
        ? 'a different set of tables'
        : tables.find(
            (table) => columns(live, 'main', table).join() !== columns(live, SOURCE, table).join(),
          )
    if (mismatch) {
      throw new AppError(
        'backup_invalid',
        `The backup's schema does not match this KeyPool's (${mismatch === 'a different set of tables' ? mismatch : `table ${mismatch}`})`,
      )
    }
    live.transaction(() => {
      // Checked once, at commit: the tables can be refilled in any order.
      live.pragma('defer_foreign_keys = ON')
      for (const table of tables) live.prepare(`DELETE FROM main.${quote(table)}`).run()
      for (const table of tables) {
        const list = columns(live, 'main', table).map(quote).join(', ')
        live
          .prepare(
            `INSERT INTO main.${quote(table)} (${list}) SELECT ${list} FROM ${SOURCE}.${quote(table)}`,
          )
          .run()
      }
    })()
  } finally {
    live.prepare(`DETACH DATABASE ${SOURCE}`).run()
  }
}
