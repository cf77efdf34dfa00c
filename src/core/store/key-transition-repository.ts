import type { Database, Statement } from 'better-sqlite3'
import type { KeyTransitionEntry } from '../../shared/contract/keys'
import type { KeyState } from '../../shared/key-state'

export interface KeyTransitionInsert {
  keyId: number
  at: number
  from: KeyState
  to: KeyState
  reason: string
  httpStatus: number | null
  message: string | null
}

interface TransitionRow {
  id: number
  key_id: number
  at: number
  from_state: KeyState
  to_state: KeyState
  reason: string
  http_status: number | null
  message: string | null
}

const toEntry = (row: TransitionRow): KeyTransitionEntry => ({
  id: row.id,
  keyId: row.key_id,
  at: new Date(row.at).toISOString(),
  from: row.from_state,
  to: row.to_state,
  reason: row.reason,
  httpStatus: row.http_status,
  message: row.message,
})

/** The history of key state changes: one row per transition, removed with its key. */
export class KeyTransitionRepository {
  private readonly insertStatement: Statement<
    [number, number, string, string, string, number | null, string | null]
  >
  private readonly listStatement: Statement<[number, number], TransitionRow>

  constructor(db: Database) {
    this.insertStatement = db.prepare(
      `INSERT INTO key_state_transitions
         (key_id, at, from_state, to_state, reason, http_status, message)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    this.listStatement = db.prepare(
      `SELECT id, key_id, at, from_state, to_state, reason, http_status, message
       FROM key_state_transitions WHERE key_id = ? ORDER BY id DESC LIMIT ?`,
    )
  }

  insert(entry: KeyTransitionInsert): void {
    this.insertStatement.run(
      entry.keyId,
      entry.at,
      entry.from,
      entry.to,
      entry.reason,
      entry.httpStatus,
      entry.message,
    )
  }

  recent(keyId: number, limit: number): KeyTransitionEntry[] {
    return this.listStatement.all(keyId, limit).map(toEntry)
  }
}
