import type { Database, Statement } from 'better-sqlite3'
import type { RequestOutcome } from '../../shared/contract/stats'
import { LATENCY_BUCKETS } from './latency-histogram'
import type { Dimension, Grain, RollupDelta } from './rollup-delta'

const histogramColumns = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `l${i}`)

/** A roll-up row as the series and usage queries read it. */
export interface RollupRow {
  bucket: number
  value: string
  outcome: RequestOutcome
  requests: number
  promptTokens: number
  completionTokens: number
  cachedTokens: number
  reasoningTokens: number
  totalTokens: number
  latencySum: number
  lastAt: number
  /** Present when asked for. */
  histogram?: number[]
}

const sumColumns = `SUM(requests) AS requests, SUM(prompt_tokens) AS promptTokens,
  SUM(completion_tokens) AS completionTokens, SUM(cached_tokens) AS cachedTokens,
  SUM(reasoning_tokens) AS reasoningTokens, SUM(total_tokens) AS totalTokens,
  SUM(latency_sum) AS latencySum, MAX(last_at) AS lastAt`

const plainColumns = `bucket, value, outcome, requests, prompt_tokens AS promptTokens,
  completion_tokens AS completionTokens, cached_tokens AS cachedTokens,
  reasoning_tokens AS reasoningTokens, total_tokens AS totalTokens, latency_sum AS latencySum,
  last_at AS lastAt`

/**
 * The per-minute, per-hour and per-day sums (migration 004). Upserts add a batch's deltas in
 * place; reads are range scans of the clustered key `(grain, dim, bucket, …)`.
 */
export class RollupRepository {
  /** For the `all` dimension: its latency histogram is what the p50/p95 series read. */
  private readonly upsertWithHistogram: Statement
  /** For every other dimension: nothing reads their histograms, so they are not written. */
  private readonly upsertStatement: Statement
  /** The same for `ROWS_PER_UPSERT` rows at once. */
  private readonly upsertMany: Statement
  private readonly rangeStatement: Statement<[Grain, Dimension, number, number], RollupRow>
  private readonly rangeWithHistogram: Statement<
    [Grain, Dimension, number, number],
    Record<string, number | string>
  >
  private readonly sumsStatement: Statement<[Grain, Dimension, number], RollupRow>
  private readonly pruneStatement: Statement<[Grain, number]>

  constructor(db: Database) {
    this.upsertWithHistogram = db.prepare(upsertSql(true))
    this.upsertStatement = db.prepare(upsertSql(false))
    this.upsertMany = db.prepare(upsertSql(false, ROWS_PER_UPSERT))
    const range = 'WHERE grain = ? AND dim = ? AND bucket >= ? AND bucket <= ?'
    this.rangeStatement = db.prepare(`SELECT ${plainColumns} FROM usage_rollups ${range}`)
    this.rangeWithHistogram = db.prepare(
      `SELECT ${plainColumns}, ${histogramColumns.join(', ')} FROM usage_rollups ${range}`,
    )
    this.sumsStatement = db.prepare(`
      SELECT 0 AS bucket, value, outcome, ${sumColumns} FROM usage_rollups
      WHERE grain = ? AND dim = ? AND bucket >= ? GROUP BY value, outcome`)
    this.pruneStatement = db.prepare('DELETE FROM usage_rollups WHERE grain = ? AND bucket < ?')
  }

  /**
   * Adds a batch's deltas; the caller holds the transaction. Only `all` rows carry the latency
   * histogram (24 columns). The others go `ROWS_PER_UPSERT` to a statement, like the log's rows:
   * a pool used round-robin touches three key rows per request (minute, hour, day), and one
   * native call per group instead of per row is most of what an upsert costs from here.
   */
  add(deltas: readonly RollupDelta[]): void {
    const group: (string | number)[] = []
    for (const d of deltas) {
      if (d.dim === 'all') {
        this.upsertWithHistogram.run(...plainValues(d), ...d.histogram)
        continue
      }
      group.push(...plainValues(d))
      if (group.length === ROWS_PER_UPSERT * PLAIN_COLUMNS) {
        this.upsertMany.run(group)
        group.length = 0
      }
    }
    for (let i = 0; i < group.length; i += PLAIN_COLUMNS) {
      this.upsertStatement.run(group.slice(i, i + PLAIN_COLUMNS))
    }
  }

  /** The rows of one dimension with `from <= bucket <= to`. */
  range(grain: Grain, dim: Dimension, from: number, to: number): RollupRow[] {
    return this.rangeStatement.all(grain, dim, from, to)
  }

  /** Like `range`, with each row's latency histogram. */
  rangeWithLatency(grain: Grain, dim: Dimension, from: number, to: number): RollupRow[] {
    return this.rangeWithHistogram.all(grain, dim, from, to).map((row) => {
      const histogram = histogramColumns.map((column) => row[column] as number)
      for (const column of histogramColumns) delete row[column]
      return { ...(row as unknown as RollupRow), histogram }
    })
  }

  /** Sums per value and outcome of one dimension since `from`. */
  sumsSince(grain: Grain, dim: Dimension, from: number): RollupRow[] {
    return this.sumsStatement.all(grain, dim, from)
  }

  prune(grain: Grain, before: number): number {
    return this.pruneStatement.run(grain, before).changes
  }
}

/** Rows per multi-row upsert (16 values each: SQLite allows 32,766 per statement). */
const ROWS_PER_UPSERT = 32

/** Values of a row without its histogram, in the upserts' column order. */
const PLAIN_COLUMNS = 16

function plainValues(d: RollupDelta): (string | number)[] {
  return [
    d.grain,
    d.dim,
    d.bucket,
    d.value,
    d.outcome,
    d.requests,
    d.promptTokens,
    d.completionTokens,
    d.cachedTokens,
    d.reasoningTokens,
    d.totalTokens,
    d.bytesOut,
    Math.round(d.latencySum),
    Math.round(d.ttfbSum),
    d.ttfbCount,
    d.lastAt,
  ]
}

/**
 * The upsert that adds deltas to their rows, with or without the latency histogram, for `rows`
 * rows at once. Rows of one statement never share a key: a batch's deltas are one per row.
 */
function upsertSql(withHistogram: boolean, rows = 1): string {
  const columns = withHistogram ? `, ${histogramColumns.join(', ')}` : ''
  const marks = new Array<string>(PLAIN_COLUMNS + (withHistogram ? histogramColumns.length : 0))
  const row = `(${marks.fill('?').join(', ')})`
  const updates = withHistogram
    ? `, ${histogramColumns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`
    : ''
  return `
    INSERT INTO usage_rollups (grain, dim, bucket, value, outcome, requests, prompt_tokens,
      completion_tokens, cached_tokens, reasoning_tokens, total_tokens, bytes_out, latency_sum,
      ttfb_sum, ttfb_count, last_at${columns})
    VALUES ${new Array<string>(rows).fill(row).join(', ')}
    ON CONFLICT (grain, dim, bucket, value, outcome) DO UPDATE SET
      requests = requests + excluded.requests,
      prompt_tokens = prompt_tokens + excluded.prompt_tokens,
      completion_tokens = completion_tokens + excluded.completion_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
      total_tokens = total_tokens + excluded.total_tokens,
      bytes_out = bytes_out + excluded.bytes_out,
      latency_sum = latency_sum + excluded.latency_sum,
      ttfb_sum = ttfb_sum + excluded.ttfb_sum,
      ttfb_count = ttfb_count + excluded.ttfb_count,
      last_at = max(last_at, excluded.last_at)${updates}`
}
