import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'

/**
 * What a crashed KeyPool acknowledged, kept by the crash-safety test (SECURITY D3), and the check
 * of a database file against it. See crash-safety.test.ts for what counts as acknowledged.
 */

/** A limited sub-key as the test knows it. */
export interface SubKeyLedger {
  id: number
  secret: string
  /** `maxRequests` of the last acknowledged create or top-up. */
  ackedMax: number
  /** Requests of a top-up sent but not answered when the server died (0 if none). */
  pendingTopUp: number
  /** `max_requests − remaining` in the database verified after the previous crash. */
  usedAtStart: number
  /** This round's proxied requests whose response headers (200) the client received: each spent a request. */
  delivered: number
  /** This round's proxied requests that never got an answer (killed while in flight): may have spent one. */
  unanswered: number
  /**
   * Error answers other than `sub_key_exhausted`: refunded, but the refund runs just after the
   * answer is written, so a kill in between may keep the request spent.
   */
  errorAnswers: number
}

/** A key turned on and off by the admin API only (its upstream always answers 200). */
export interface ToggleKeyLedger {
  id: number
  acked: 'active' | 'disabled'
  /** The status of a PUT sent but not answered when the server died. */
  pending: 'active' | 'disabled' | null
}

export interface CrashLedger {
  subKeys: Map<number, SubKeyLedger>
  toggleKeys: Map<number, ToggleKeyLedger>
  /** last4 of every key whose bulk add was acknowledged. */
  addedKeys: Set<string>
  /** Transitions announced by `key.stateChanged` (emitted after the commit): "id from>to" → n. */
  announced: Map<string, number>
  /** Keys announced as invalid: nothing in the test revives them. */
  invalidKeys: Set<number>
}

export function emptyLedger(): CrashLedger {
  return {
    subKeys: new Map(),
    toggleKeys: new Map(),
    addedKeys: new Set(),
    announced: new Map(),
    invalidKeys: new Set(),
  }
}

/** Starts tracking a sub-key whose create (with `maxRequests`) was acknowledged. */
export function trackSubKey(
  ledger: CrashLedger,
  issued: { subKey: { id: number }; secret: string },
  maxRequests: number,
): void {
  ledger.subKeys.set(issued.subKey.id, {
    id: issued.subKey.id,
    secret: issued.secret,
    ackedMax: maxRequests,
    pendingTopUp: 0,
    usedAtStart: 0,
    delivered: 0,
    unanswered: 0,
    errorAnswers: 0,
  })
}

export const transitionName = (id: number, from: string, to: string): string =>
  `${id} ${from}>${to}`

interface SubKeyRow {
  id: number
  secret_hash: string
  max_requests: number
  remaining: number
}

/**
 * Opens the database read-only (the next start, not the test, recovers the WAL), runs
 * `integrity_check` and `foreign_key_check`, and compares every acknowledged change. Returns the
 * problems found; none means the crash lost nothing acknowledged. Then the stored values become
 * the next round's baseline: a change whose answer the kill swallowed is settled either way.
 */
export function verifyAndSettle(file: string, ledger: CrashLedger): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  const problems: string[] = []
  try {
    const integrity = db.pragma('integrity_check', { simple: true })
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`)
    const foreign = db.pragma('foreign_key_check') as unknown[]
    if (foreign.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(foreign)}`)

    const subKey = db.prepare<[number], SubKeyRow>(
      'SELECT id, secret_hash, max_requests, remaining FROM sub_keys WHERE id = ?',
    )
    for (const entry of ledger.subKeys.values()) {
      const row = subKey.get(entry.id)
      if (!row) {
        problems.push(`sub-key ${entry.id}: acknowledged create is missing`)
        continue
      }
      const hash = createHash('sha256').update(entry.secret, 'utf8').digest('hex')
      if (row.secret_hash !== hash) problems.push(`sub-key ${entry.id}: secret hash differs`)
      const allowedMax = [entry.ackedMax, entry.ackedMax + entry.pendingTopUp]
      if (!allowedMax.includes(row.max_requests)) {
        problems.push(
          `sub-key ${entry.id}: max_requests ${row.max_requests}, acknowledged ${entry.ackedMax}` +
            (entry.pendingTopUp ? ` (+${entry.pendingTopUp} pending)` : ''),
        )
      }
      const used = row.max_requests - row.remaining
      const least = entry.usedAtStart + entry.delivered
      const most = least + entry.unanswered + entry.errorAnswers
      if (row.remaining < 0 || used < least || used > most) {
        problems.push(
          `sub-key ${entry.id}: used ${used} (remaining ${row.remaining}), expected ` +
            `${least} ≤ used ≤ ${most} (before ${entry.usedAtStart}, delivered ` +
            `${entry.delivered}, unanswered ${entry.unanswered}, errors ${entry.errorAnswers})`,
        )
      }
      Object.assign(entry, {
        ackedMax: row.max_requests,
        pendingTopUp: 0,
        usedAtStart: used,
        delivered: 0,
        unanswered: 0,
        errorAnswers: 0,
      })
    }

    const keyState = db.prepare<[number], { state: string }>(
      'SELECT state FROM upstream_keys WHERE id = ?',
    )
    for (const toggle of ledger.toggleKeys.values()) {
      const state = keyState.get(toggle.id)?.state
      const allowed = toggle.pending ? [toggle.acked, toggle.pending] : [toggle.acked]
      if (!allowed.includes(state as ToggleKeyLedger['acked'])) {
        problems.push(`key ${toggle.id}: state ${state}, acknowledged ${allowed.join(' or ')}`)
      } else {
        toggle.acked = state as ToggleKeyLedger['acked']
        toggle.pending = null
      }
    }
    for (const id of ledger.invalidKeys) {
      const state = keyState.get(id)?.state
      if (state !== 'invalid') problems.push(`key ${id}: announced invalid, stored ${state}`)
    }

    const byLast4 = db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM upstream_keys WHERE last4 = ?',
    )
    for (const last4 of ledger.addedKeys) {
      if (byLast4.get(last4)!.n !== 1) problems.push(`key …${last4}: acknowledged add is missing`)
    }

    // Every announced transition has its history row (same transaction as the state change).
    const history = db
      .prepare<[], { key_id: number; from_state: string; to_state: string; n: number }>(
        `SELECT key_id, from_state, to_state, count(*) AS n FROM key_state_transitions
         GROUP BY key_id, from_state, to_state`,
      )
      .all()
    const stored = new Map(
      history.map((row) => [transitionName(row.key_id, row.from_state, row.to_state), row.n]),
    )
    for (const [name, count] of ledger.announced) {
      if ((stored.get(name) ?? 0) < count) {
        problems.push(`transition ${name}: announced ${count}×, stored ${stored.get(name) ?? 0}×`)
      }
    }
    // A key's state and its history move together: the state is the last row's target.
    const drift = db
      .prepare<[], { id: number; state: string; last: string }>(
        `SELECT k.id, k.state, t.to_state AS last FROM upstream_keys k
         JOIN key_state_transitions t ON t.id =
           (SELECT max(id) FROM key_state_transitions WHERE key_id = k.id)
         WHERE k.state <> t.to_state`,
      )
      .all()
    for (const row of drift) {
      problems.push(`key ${row.id}: state ${row.state} but last recorded transition ${row.last}`)
    }
  } finally {
    db.close()
  }
  return problems
}
