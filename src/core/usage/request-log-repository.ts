import type { Database, Statement } from 'better-sqlite3'
import type { RequestLogEntry } from '../../shared/contract/logs'
import type { RequestOutcome } from '../../shared/contract/stats'
import type { CompletedRequest } from './completed-request'
import type { WindowSums } from './live-windows'

/** Filters of a log page; times in ms (`from` inclusive, `to` exclusive). */
export interface LogFilter {
  subKeyId?: number
  keyId?: number
  providerId?: number
  model?: string
  outcome?: RequestOutcome
  status?: number
  from?: number
  to?: number
}

interface LogRow {
  id: number
  at: number
  sub_key_id: number | null
  provider_id: number | null
  key_id: number | null
  model: string | null
  method: string
  endpoint: string
  status: number
  outcome: RequestOutcome
  error_code: string | null
  latency_ms: number
  ttfb_ms: number | null
  prompt_tokens: number
  completion_tokens: number
  cached_tokens: number
  reasoning_tokens: number
  total_tokens: number
  streamed: number
  bytes_out: number
  attempts: number
}

/** Sums SQL for a window: successes, errors (neither success nor cancelled) and tokens. */
const windowSums = `COUNT(*) AS requests,
  COALESCE(SUM(outcome = 'success'), 0) AS successes,
  COALESCE(SUM(outcome NOT IN ('success', 'cancelled')), 0) AS errors,
  COALESCE(SUM(total_tokens), 0) AS tokens`

/**
 * The columns a row binds: first the 16 every row binds (a row's own ten, `perRowColumns`, then
 * six that rows of one client share, `sharedColumns`), then the 4 that a common row
 * (`isCommonRow`) has as literals instead, `commonLiterals` in the same order.
 */
const perRowColumns = `at, key_id, latency_ms, ttfb_ms, prompt_tokens, completion_tokens,
  cached_tokens, reasoning_tokens, total_tokens, bytes_out`
const PER_ROW = 10
const sharedColumns = 'sub_key_id, provider_id, model, endpoint, status, streamed'
const SHARED = 6
const insertColumns = `${perRowColumns}, ${sharedColumns}, method, outcome, error_code, attempts`
const ALWAYS_BOUND = PER_ROW + SHARED
const commonLiterals = `'POST', 'success', NULL, 1`
const placeholders = (count: number) => new Array<string>(count).fill('?').join(', ')
/** Rows per multi-row INSERT: 500 bound values, far below SQLite's limit of 32,766. */
const ROWS_PER_INSERT = 25

/**
 * `OR FAIL`, not the default `ABORT`: a statement of many rows that may abort must be able to
 * undo just itself, so SQLite keeps a statement journal with a copy of every page the statement
 * changes, spilled to a temp file past 64 KiB. When an index scatters a batch's rows (the
 * `(key_id, at)` index did, migration 006) that was 1.4 extra write calls and ~2.9 KB per row,
 * more than the row itself costs in the WAL (test in `request-log-repository.test.ts`). Nothing
 * needs that undo: every insert runs inside the usage writer's transaction, which rolls back
 * whole on any error, so `FAIL` (stop, keep the statement's earlier rows) ends the same.
 */
function insertSql(row: string, rows: number): string {
  return `INSERT OR FAIL INTO request_log (${insertColumns}) VALUES ${new Array<string>(rows).fill(row).join(', ')}`
}

/** A row binding all 20 values. */
const fullRow = `(${placeholders(ALWAYS_BOUND + 4)})`

/**
 * Nearly every row is a successful POST answered by its first attempt. For a group made only of
 * those, a statement with the method, outcome, error code and attempt count written as literals
 * binds 16 values a row instead of 20: binding costs ~0.1 µs per value whatever its type, so
 * that is 0.4 µs of the ~2.6 µs a row costs (docs/performance.md, "Fourth round").
 */
const commonRow = `(${placeholders(ALWAYS_BOUND)}, ${commonLiterals})`

function isCommonRow(r: CompletedRequest): boolean {
  return r.outcome === 'success' && r.method === 'POST' && r.errorCode === null && r.attempts === 1
}

/**
 * A run of common rows from one client usually differs only in its times, key, token counts and
 * size (`perRowColumns`). Such a group (`sameClient`) binds those ten per row and the six it
 * shares once, through `INSERT … SELECT … FROM (VALUES …)`: ten values a row instead of
 * sixteen, ~0.3 µs less per row (docs/performance.md, "Eighth round").
 */
const sameClientSql = (() => {
  const columns = Array.from({ length: PER_ROW }, (_, i) => `column${i + 1}`).join(', ')
  const row = `(${placeholders(PER_ROW)})`
  return `INSERT OR FAIL INTO request_log (${insertColumns})
    SELECT ${columns}, ${placeholders(SHARED)}, ${commonLiterals}
    FROM (VALUES ${new Array<string>(ROWS_PER_INSERT).fill(row).join(', ')})`
})()

/** Whether two common rows may share a `sameClientSql` group. */
function sameClient(a: CompletedRequest, b: CompletedRequest): boolean {
  return (
    a.subKeyId === b.subKeyId &&
    a.providerId === b.providerId &&
    a.model === b.model &&
    a.endpoint === b.endpoint &&
    a.status === b.status &&
    a.streamed === b.streamed
  )
}

/** A row's values in `perRowColumns` order. */
function pushPerRow(values: (string | number | null)[], r: CompletedRequest): void {
  values.push(
    r.at,
    r.keyId,
    Math.round(r.latencyMs),
    r.ttfbMs === null ? null : Math.round(r.ttfbMs),
    r.promptTokens,
    r.completionTokens,
    r.cachedTokens,
    r.reasoningTokens,
    r.totalTokens,
    r.bytesOut,
  )
}

/** A group's shared values in `sharedColumns` order. */
function pushShared(values: (string | number | null)[], r: CompletedRequest): void {
  values.push(r.subKeyId, r.providerId, r.model, r.endpoint, r.status, r.streamed ? 1 : 0)
}

/** The values every row binds, in `insertColumns` order: all a common row binds. */
function pushAlwaysBound(values: (string | number | null)[], r: CompletedRequest): void {
  pushPerRow(values, r)
  pushShared(values, r)
}

/** A request's values in `insertColumns` order. */
function pushColumns(values: (string | number | null)[], r: CompletedRequest): void {
  pushAlwaysBound(values, r)
  values.push(r.method, r.outcome, r.errorCode, r.attempts)
}

const filterColumns: Record<Exclude<keyof LogFilter, 'from' | 'to'>, string> = {
  subKeyId: 'sub_key_id',
  keyId: 'key_id',
  providerId: 'provider_id',
  model: 'model',
  outcome: 'outcome',
  status: 'status',
}

/**
 * The raw request log: batched inserts (inside the usage writer's transaction), filtered pages
 * newest first, the exact edge of a summary window, and pruning in small chunks so a large
 * backlog never holds the write lock for long.
 */
export class RequestLogRepository {
  private readonly insertOne: Statement
  private readonly insertMany: Statement
  private readonly insertManyCommon: Statement
  private readonly insertSameClient: Statement
  private readonly edgeStatement: Statement<[number, number], WindowSums>
  private readonly secondsStatement: Statement<[number], WindowSums & { second: number }>
  private readonly pruneStatement: Statement<[number, number]>

  constructor(private readonly db: Database) {
    this.insertOne = db.prepare(insertSql(fullRow, 1))
    this.insertMany = db.prepare(insertSql(fullRow, ROWS_PER_INSERT))
    this.insertManyCommon = db.prepare(insertSql(commonRow, ROWS_PER_INSERT))
    this.insertSameClient = db.prepare(sameClientSql)
    this.edgeStatement = db.prepare(`SELECT ${windowSums} FROM request_log WHERE at > ? AND at < ?`)
    this.secondsStatement = db.prepare(`
      SELECT at / 1000 AS second, ${windowSums}
      FROM request_log WHERE at > ? GROUP BY second`)
    this.pruneStatement = db.prepare(`
      DELETE FROM request_log WHERE id IN (
        SELECT id FROM request_log WHERE at < ? ORDER BY at LIMIT ?)`)
  }

  /**
   * Appends rows; the caller holds the transaction. Rows go in groups of `ROWS_PER_INSERT` per
   * statement: one native call per group instead of per row is most of what binding costs. A
   * group of common rows only (`isCommonRow`) binds fewer values, and fewer still when they come
   * from one client (`sameClient`); a mixed group binds them all, so a mixed batch costs what it
   * did before. The values go as arguments, not as one array: better-sqlite3 reads an array
   * element by element through V8's API, which measured ~0.3 µs more per row
   * (docs/performance.md, "Sixth round").
   */
  insert(requests: readonly CompletedRequest[]): void {
    let next = 0
    const values: (string | number | null)[] = []
    for (; next + ROWS_PER_INSERT <= requests.length; next += ROWS_PER_INSERT) {
      values.length = 0
      const end = next + ROWS_PER_INSERT
      const first = requests[next]!
      let common = true
      let shared = true
      for (let i = next; common && i < end; i++) {
        const request = requests[i]!
        common = isCommonRow(request)
        shared &&= sameClient(first, request)
      }
      if (common && shared) {
        pushShared(values, first)
        for (let i = next; i < end; i++) pushPerRow(values, requests[i]!)
        this.insertSameClient.run(...values)
      } else if (common) {
        for (let i = next; i < end; i++) pushAlwaysBound(values, requests[i]!)
        this.insertManyCommon.run(...values)
      } else {
        for (let i = next; i < end; i++) pushColumns(values, requests[i]!)
        this.insertMany.run(...values)
      }
    }
    for (; next < requests.length; next++) {
      values.length = 0
      pushColumns(values, requests[next]!)
      this.insertOne.run(...values)
    }
  }

  /** Sums of the requests with `from < at < to`. */
  sumBetween(fromExclusive: number, toExclusive: number): WindowSums {
    return this.edgeStatement.get(fromExclusive, toExclusive)!
  }

  /** Per-second sums since `from` (exclusive): what the live windows start from. */
  secondsSince(fromExclusive: number): (WindowSums & { second: number })[] {
    return this.secondsStatement.all(fromExclusive)
  }

  page(filter: LogFilter, limit: number, offset: number): { rows: LogRow[]; total: number } {
    const { where, params } = whereClause(filter)
    const rows = this.db
      .prepare(`SELECT * FROM request_log ${where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as LogRow[]
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM request_log ${where}`).get(...params) as {
        n: number
      }
    ).n
    return { rows, total }
  }

  /** Deletes up to `limit` rows older than `before`; how many went. */
  pruneChunk(before: number, limit: number): number {
    return this.pruneStatement.run(before, limit).changes
  }
}

function whereClause(filter: LogFilter): { where: string; params: (number | string)[] } {
  const conditions: string[] = []
  const params: (number | string)[] = []
  for (const [field, column] of Object.entries(filterColumns)) {
    const value = filter[field as keyof typeof filterColumns]
    if (value === undefined) continue
    conditions.push(`${column} = ?`)
    params.push(value)
  }
  // Lets SQLite use the partial index over failures (migration 005), which it only considers
  // when the query repeats the index's own condition.
  if (filter.outcome !== undefined && filter.outcome !== 'success') {
    conditions.push(`outcome <> 'success'`)
  }
  if (filter.from !== undefined) {
    conditions.push('at >= ?')
    params.push(filter.from)
  }
  if (filter.to !== undefined) {
    conditions.push('at < ?')
    params.push(filter.to)
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params }
}

/** The contract's view of a log row; the sub-key's name comes from the caller. */
/** A stored row as the contract gives it, with the names of its sub-key and key. */
export function toLogEntry(
  row: LogRow,
  names: { subKeyName: string | null; keyName: string | null },
): RequestLogEntry {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    subKeyId: row.sub_key_id,
    subKeyName: names.subKeyName,
    providerId: row.provider_id,
    keyId: row.key_id,
    keyName: names.keyName,
    model: row.model,
    method: row.method,
    endpoint: row.endpoint,
    status: row.status,
    outcome: row.outcome,
    errorCode: row.error_code,
    latencyMs: row.latency_ms,
    ttfbMs: row.ttfb_ms,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    cachedTokens: row.cached_tokens,
    reasoningTokens: row.reasoning_tokens,
    totalTokens: row.total_tokens,
    streamed: row.streamed === 1,
    bytesOut: row.bytes_out,
    attempts: row.attempts,
  }
}

export type { LogRow }
