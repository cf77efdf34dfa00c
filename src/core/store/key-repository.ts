import type { Database, Statement } from 'better-sqlite3'
import type { KeyFilter, KeySort, UpstreamKey } from '../../shared/contract/keys'
import type { KeyState } from '../../shared/key-state'
import { createPoolKey, type PoolKey } from '../pool/pool-key'
import { keyCountSql, keyPageSql, type SqlFragment } from './key-list-query'
import { KEY_COLUMNS, parseModels, toUpstreamKey, type KeyRow } from './key-rows'

/** A new key, already encrypted. */
export interface KeyInsert {
  providerId: number
  label: string
  sealed: Buffer
  fingerprint: Buffer
  prefix: string
  last4: string
  weight: number
}

/** A key's secret as stored (see `KeyCipher`), and the provider it is sent to. */
export interface SealedRow {
  sealed: Buffer
  fingerprint: Buffer
  provider_id: number
}

/** What the state machine decides from, plus where the key belongs. */
export interface KeyStatusRecord {
  id: number
  providerId: number
  state: KeyState
  cooldownUntil: number | null
  consecutiveFailures: number
}

export interface KeyStateUpdate {
  from: KeyState
  to: KeyState
  reason: string
  cooldownUntil: number | null
  resetFailures: boolean
}

/** Counters the proxy accumulates in memory and writes in batches. */
export interface KeyUsageDelta {
  id: number
  requests: number
  successes: number
  failures: number
  tokens: number
  /** The pool's current count (an absolute value, not a delta). */
  consecutiveFailures: number
  lastUsedAt: number
  lastError?: string | null
}

export interface KeyFieldsUpdate {
  label: string
  weight: number
  providerId: number
}

interface StatusRow {
  id: number
  provider_id: number
  state: KeyState
  cooldown_until: number | null
  consecutive_failures: number
}

interface RoutingRow extends StatusRow {
  weight: number
  models_json: string | null
  last_used_at: number
}

const STATUS_COLUMNS = 'id, provider_id, state, cooldown_until, consecutive_failures'
const ROUTING_COLUMNS = `${STATUS_COLUMNS}, weight, models_json, last_used_at`
const IN_IDS = 'id IN (SELECT value FROM json_each(?))'

const toStatus = (row: StatusRow): KeyStatusRecord => ({
  id: row.id,
  providerId: row.provider_id,
  state: row.state,
  cooldownUntil: row.cooldown_until,
  consecutiveFailures: row.consecutive_failures,
})

const toPoolKey = (row: RoutingRow): PoolKey => {
  const models = parseModels(row.models_json)
  return createPoolKey({
    ...toStatus(row),
    weight: row.weight,
    models: models && new Set(models),
    lastUsedAt: row.last_used_at,
  })
}

/**
 * `upstream_keys` access with prepared statements; maps snake_case rows to the contract's
 * camelCase. Listing statements are built per filter/sort shape and cached.
 */
export class KeyRepository {
  private readonly statements
  private readonly dynamic = new Map<string, Statement>()

  constructor(private readonly db: Database) {
    this.statements = {
      insert: db.prepare<[number, string, Buffer, Buffer, string, string, number, number, number]>(
        `INSERT INTO upstream_keys
           (provider_id, label, sealed, fingerprint, prefix, last4, weight, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (provider_id, fingerprint) DO NOTHING`,
      ),
      get: db.prepare<[number], KeyRow>(`SELECT ${KEY_COLUMNS} FROM upstream_keys WHERE id = ?`),
      status: db.prepare<[number], StatusRow>(
        `SELECT ${STATUS_COLUMNS} FROM upstream_keys WHERE id = ?`,
      ),
      statuses: db.prepare<[string], StatusRow>(
        `SELECT ${STATUS_COLUMNS} FROM upstream_keys WHERE ${IN_IDS} ORDER BY id`,
      ),
      inStates: db.prepare<[string], StatusRow>(
        `SELECT ${STATUS_COLUMNS} FROM upstream_keys
         WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id`,
      ),
      routingAll: db.prepare<[], RoutingRow>(`SELECT ${ROUTING_COLUMNS} FROM upstream_keys`),
      routingSome: db.prepare<[string], RoutingRow>(
        `SELECT ${ROUTING_COLUMNS} FROM upstream_keys WHERE ${IN_IDS}`,
      ),
      sealed: db.prepare<[number], SealedRow>(
        'SELECT sealed, fingerprint, provider_id FROM upstream_keys WHERE id = ?',
      ),
      update: db.prepare<[string, number, number, number, number], KeyRow>(
        `UPDATE upstream_keys SET label = ?, weight = ?, provider_id = ?, updated_at = ?
         WHERE id = ? RETURNING ${KEY_COLUMNS}`,
      ),
      applyState: db.prepare<
        [string, string, number | null, number, number, number, string],
        { provider_id: number }
      >(
        `UPDATE upstream_keys
         SET state = ?, state_reason = ?, cooldown_until = ?,
             consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures END,
             updated_at = ?
         WHERE id = ? AND state = ? RETURNING provider_id`,
      ),
      remove: db.prepare<[number]>('DELETE FROM upstream_keys WHERE id = ?'),
      removeMany: db.prepare<[string], { id: number }>(
        `DELETE FROM upstream_keys WHERE ${IN_IDS} RETURNING id`,
      ),
      usage: db.prepare<
        [number, number, number, number, number, number, string | null, number, number]
      >(
        `UPDATE upstream_keys
         SET requests = requests + ?, successes = successes + ?, failures = failures + ?,
             tokens = tokens + ?, consecutive_failures = ?,
             last_used_at = max(last_used_at, ?), last_error = coalesce(?, last_error),
             updated_at = ?
         WHERE id = ?`,
      ),
      models: db.prepare<[string | null, number, number]>(
        'UPDATE upstream_keys SET models_json = ?, updated_at = ? WHERE id = ?',
      ),
    }
  }

  /** Runs `work` in one transaction (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  /** The new key's id, or undefined when the provider already has this key. */
  insert(key: KeyInsert, now: number): number | undefined {
    const result = this.statements.insert.run(
      key.providerId,
      key.label,
      key.sealed,
      key.fingerprint,
      key.prefix,
      key.last4,
      key.weight,
      now,
      now,
    )
    return result.changes === 1 ? Number(result.lastInsertRowid) : undefined
  }

  get(id: number): UpstreamKey | undefined {
    const row = this.statements.get.get(id)
    return row && toUpstreamKey(row)
  }

  /** A page and the number of matches; the count decides how the page is read. */
  list(
    filter: KeyFilter,
    sort: KeySort,
    order: 'asc' | 'desc',
    limit: number,
    offset: number,
  ): { items: UpstreamKey[]; total: number } {
    const total = this.count(filter)
    if (total === 0 || offset >= total) return { items: [], total }
    const sortDriven = this.walkSortIndex(filter, sort, total, offset + limit)
    return { items: this.read(keyPageSql(filter, sort, order, sortDriven), limit, offset), total }
  }

  /**
   * Whether walking the sort's index (checking the filter row by row) beats fetching every match
   * and sorting it. The walk reads about `needed × all / total` rows, the other way `total`: the
   * walk wins once matches are dense, `needed × all < total²`. Unfiltered pages and id-ordered
   * pages of a state or provider are index range scans already.
   */
  private walkSortIndex(filter: KeyFilter, sort: KeySort, total: number, needed: number): boolean {
    const search = filter.q !== undefined && filter.q !== ''
    const filtered = search || filter.status !== undefined || filter.providerId !== undefined
    if (!filtered || (sort === 'createdAt' && !search)) return false
    return needed * this.count({}) < total * total
  }

  /** Every matching key (for the export), oldest first. */
  all(filter: KeyFilter): UpstreamKey[] {
    return this.read(keyPageSql(filter, 'createdAt', 'asc', false), -1, 0)
  }

  count(filter: KeyFilter): number {
    const query = keyCountSql(filter)
    return (this.prepared(query.sql).get(...query.params) as { n: number }).n
  }

  status(id: number): KeyStatusRecord | undefined {
    const row = this.statements.status.get(id)
    return row && toStatus(row)
  }

  statuses(ids: readonly number[]): KeyStatusRecord[] {
    return this.statements.statuses.all(JSON.stringify(ids)).map(toStatus)
  }

  inStates(states: readonly KeyState[]): KeyStatusRecord[] {
    return this.statements.inStates.all(JSON.stringify(states)).map(toStatus)
  }

  /** Routing data for the in-memory pool: every key, or the given ones. */
  routing(ids?: readonly number[]): PoolKey[] {
    const rows =
      ids === undefined
        ? this.statements.routingAll.all()
        : this.statements.routingSome.all(JSON.stringify(ids))
    return rows.map(toPoolKey)
  }

  /** The stored ciphertext, what it is bound to, and the key's provider: one read per check. */
  sealed(id: number): SealedRow | undefined {
    return this.statements.sealed.get(id)
  }

  /** Throws SQLite's unique-constraint error when the target provider already has the key. */
  update(id: number, fields: KeyFieldsUpdate, now: number): UpstreamKey | undefined {
    const row = this.statements.update.get(fields.label, fields.weight, fields.providerId, now, id)
    return row && toUpstreamKey(row)
  }

  /**
   * Moves a key from `from` to `to` only if it is still in `from`: of many callers attempting
   * the same transition, exactly one gets the provider id back.
   */
  applyState(id: number, change: KeyStateUpdate, now: number): number | undefined {
    const row = this.statements.applyState.get(
      change.to,
      change.reason,
      change.cooldownUntil,
      change.resetFailures ? 1 : 0,
      now,
      id,
      change.from,
    )
    return row?.provider_id
  }

  remove(id: number): number {
    return this.statements.remove.run(id).changes
  }

  removeMany(ids: readonly number[]): number[] {
    return this.statements.removeMany.all(JSON.stringify(ids)).map((row) => row.id)
  }

  recordUsage(deltas: readonly KeyUsageDelta[], now: number): void {
    this.transaction(() => {
      for (const delta of deltas) {
        this.statements.usage.run(
          delta.requests,
          delta.successes,
          delta.failures,
          delta.tokens,
          delta.consecutiveFailures,
          delta.lastUsedAt,
          delta.lastError ?? null,
          now,
          delta.id,
        )
      }
    })
  }

  setModels(id: number, models: readonly string[] | null, now: number): boolean {
    const json = models === null ? null : JSON.stringify(models)
    return this.statements.models.run(json, now, id).changes === 1
  }

  /**
   * Several keys' model lists in one transaction (a validation run's answers of the last
   * moment: one commit each cost ~30 µs against ~5); the ids of the keys that still exist.
   */
  setModelsMany(
    lists: Iterable<readonly [number, readonly string[] | null]>,
    now: number,
  ): number[] {
    const changed: number[] = []
    this.transaction(() => {
      for (const [id, models] of lists) if (this.setModels(id, models, now)) changed.push(id)
    })
    return changed
  }

  private read(query: SqlFragment, limit: number, offset: number): UpstreamKey[] {
    const rows = this.prepared(query.sql).all(...query.params, limit, offset) as KeyRow[]
    return rows.map(toUpstreamKey)
  }

  private prepared(sql: string): Statement {
    let statement = this.dynamic.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.dynamic.set(sql, statement)
    }
    return statement
  }
}
