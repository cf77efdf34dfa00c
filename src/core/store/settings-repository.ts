import type { Database, Statement } from 'better-sqlite3'
import type { SettingsSection } from '../../shared/contract'

interface SettingsRow {
  section: string
  value_json: string
}

/** Stores each settings section as one JSON row; unknown or missing sections are the caller's. */
export class SettingsRepository {
  private readonly selectAll: Statement<[], SettingsRow>
  private readonly upsert: Statement<[string, string, number]>

  constructor(private readonly db: Database) {
    this.selectAll = db.prepare('SELECT section, value_json FROM settings')
    this.upsert = db.prepare(
      `INSERT INTO settings (section, value_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (section) DO UPDATE SET value_json = excluded.value_json,
                                           updated_at = excluded.updated_at`,
    )
  }

  /** Every stored section, parsed; a section whose JSON is damaged is skipped. */
  readAll(): Partial<Record<SettingsSection, unknown>> {
    const result: Partial<Record<string, unknown>> = {}
    for (const row of this.selectAll.all()) {
      try {
        result[row.section] = JSON.parse(row.value_json)
      } catch {
        // A damaged row falls back to defaults rather than stopping the app.
      }
    }
    return result
  }

  writeSections(sections: Partial<Record<SettingsSection, unknown>>, now: number): void {
    this.db.transaction(() => {
      for (const [section, value] of Object.entries(sections)) {
        this.upsert.run(section, JSON.stringify(value), now)
      }
    })()
  }
}
