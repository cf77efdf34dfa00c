import type { LogListInput, LogPage } from '../../shared/contract/logs'
import {
  MAX_SERIES_GROUPS,
  requestOutcomes,
  type KeyUsage,
  type StatsGroupBy,
  type StatsRange,
  type StatsSeries,
  type StatsSummary,
  type SubKeyUsage,
  type TokenCounts,
  type UpstreamKey,
  type UsageRange,
} from '../../shared/contract'
import type { Clock } from '../clock'
import type { StateCounts } from '../pool'
import type { Database } from '../store/database'
import { isErrorOutcome, type CompletedRequest } from './completed-request'
import { histogramQuantile, LATENCY_BUCKETS } from './latency-histogram'
import { addSums, emptySums, LiveWindows, WINDOW_LENGTHS, type WindowSums } from './live-windows'
import { RequestLogRepository, toLogEntry } from './request-log-repository'
import { foldRollupDeltas, GRAIN_MS, type Dimension, type RollupDelta } from './rollup-delta'
import { RollupRepository, type RollupRow } from './rollup-repository'
import { seriesSpan, usageSpan } from './usage-range'

export interface StatsServiceDependencies {
  database: Database
  clock: Clock
  /** The in-memory pool's keys per state (no database read). */
  keyCounts: () => StateCounts
  /** Queues a request for the next usage batch (the batch calls `write`). */
  enqueue: (request: CompletedRequest) => void
  /** Writes the pending batch now, so that a read sees every request counted so far. */
  flushPending: () => void
  /** A sub-key's name and last use from memory; null once deleted. */
  subKey: (id: number) => { name: string; lastUsedAt: number | null } | null
  /** An upstream key as listed; null once deleted. */
  key: (id: number) => UpstreamKey | null
}

const DAY = WINDOW_LENGTHS.last24h

/**
 * How long roll-up rows merge in memory before they are written. The log rows go with every
 * batch (100–250 ms); the roll-ups are sums over minutes, hours and days, and a pool used
 * round-robin touches three key rows per request: merged over a second, each key's rows are
 * written once a second instead of once per batch (docs/performance.md, "Large pools"). Every
 * read writes them first, and so does a stop or a backup; a hard kill can lose up to this much
 * of the roll-ups (never of the log).
 */
export const ROLLUP_WRITE_INTERVAL_MS = 1_000

/** Pending roll-up rows that force a write before the interval is up (bounds the memory). */
const MAX_PENDING_ROLLUPS = 20_000

/**
 * Usage accounting and statistics (SPEC §5). `record` is the proxy's one call per request: it
 * counts the request in memory (per-second live windows and all-time totals) and queues its log
 * row; `write` stores a batch (log rows and roll-ups, in the batch's one transaction). Reads
 * never scan the raw log beyond one second: windows come from memory, charts and usage tables
 * from the roll-ups.
 */
export class StatsService {
  private readonly log: RequestLogRepository
  private readonly rollups: RollupRepository
  private live = new LiveWindows()
  private readonly totals = emptySums()
  private readonly listeners = new Set<() => void>()
  /** Roll-up rows folded from written batches, not yet in the store. */
  private readonly pendingRollups = new Map<string, RollupDelta>()
  private rollupsDueAt = 0

  constructor(private readonly deps: StatsServiceDependencies) {
    this.log = new RequestLogRepository(deps.database)
    this.rollups = new RollupRepository(deps.database)
    this.loadFromStore()
  }

  /** Rebuilds the windows and totals from the store, after a backup restore replaced it. */
  reload(): void {
    this.live = new LiveWindows()
    Object.assign(this.totals, emptySums())
    this.loadFromStore()
  }

  private loadFromStore(): void {
    const now = this.deps.clock.now()
    for (const second of this.log.secondsSince(now - DAY)) {
      this.live.add(second.second * 1000, second)
    }
    for (const row of this.rollups.sumsSince('d', 'all', 0)) addSums(this.totals, sumsOf(row))
  }

  /** Counts one finished request; memory only, the store gets it with the next batch. */
  record(request: CompletedRequest): void {
    // Counted field by field: a sums object per request would be garbage at once.
    const success = request.outcome === 'success' ? 1 : 0
    const error = isErrorOutcome(request.outcome) ? 1 : 0
    const tokens = request.totalTokens
    this.live.addCounts(request.at, 1, success, error, tokens)
    const totals = this.totals
    totals.requests += 1
    totals.successes += success
    totals.errors += error
    totals.tokens += tokens
    this.deps.enqueue(request)
    for (const listener of this.listeners) listener()
  }

  /** Called after every `record` (the live-event notifier). */
  onRecorded(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Stores a batch's raw rows and folds it into the pending roll-ups, written when
   * `ROLLUP_WRITE_INTERVAL_MS` is up (in this same transaction). The caller holds the
   * transaction.
   */
  write(requests: readonly CompletedRequest[]): void {
    this.log.insert(requests)
    foldRollupDeltas(requests, this.pendingRollups)
    const now = this.deps.clock.now()
    if (now >= this.rollupsDueAt || this.pendingRollups.size >= MAX_PENDING_ROLLUPS) {
      this.writeRollups(now)
    }
  }

  /** Writes the pending roll-ups now: before a read of them, a backup, a stop. */
  flushRollups(): void {
    if (this.pendingRollups.size === 0) return
    this.deps.database.transaction(() => this.writeRollups(this.deps.clock.now()))()
  }

  private writeRollups(now: number): void {
    this.rollupsDueAt = now + ROLLUP_WRITE_INTERVAL_MS
    if (this.pendingRollups.size === 0) return
    this.rollups.add([...this.pendingRollups.values()])
    this.pendingRollups.clear()
  }

  /**
   * The batch writer's pending rows, then the pending roll-ups: what every read needs, and what a
   * backup must see.
   */
  flushAll(): void {
    this.deps.flushPending()
    this.flushRollups()
  }

  summary(): StatsSummary {
    this.deps.flushPending()
    const windows = this.live.windows(this.deps.clock.now(), (from, to) =>
      this.log.sumBetween(from, to),
    )
    const all = { ...windows, total: this.totals }
    const pick = (field: keyof WindowSums) => ({
      lastMinute: all.lastMinute[field],
      lastHour: all.lastHour[field],
      last24h: all.last24h[field],
      total: all.total[field],
    })
    const rate = (sums: WindowSums) => {
      const decided = sums.successes + sums.errors
      return decided === 0 ? null : sums.successes / decided
    }
    const counts = this.deps.keyCounts()
    return {
      requests: pick('requests'),
      errors: pick('errors'),
      tokens: pick('tokens'),
      keys: { ...counts },
      successRate: {
        lastMinute: rate(all.lastMinute),
        lastHour: rate(all.lastHour),
        last24h: rate(all.last24h),
        total: rate(all.total),
      },
      usableKeys: counts.active,
    }
  }

  series(range: StatsRange, groupBy: StatsGroupBy): StatsSeries {
    this.flushAll()
    const span = seriesSpan(range, this.deps.clock.now())
    const width = GRAIN_MS[span.grain]
    const index = (bucket: number) => (bucket - span.first) / width
    const zeros = () => new Array<number>(span.count).fill(0)

    const everything = this.rollups.rangeWithLatency(span.grain, 'all', span.first, span.last)
    const totals = { requests: zeros(), errors: zeros(), tokens: zeros() }
    const histograms = Array.from({ length: span.count }, () =>
      new Array<number>(LATENCY_BUCKETS).fill(0),
    )
    const latency = { sum: zeros(), count: zeros() }
    for (const row of everything) {
      const i = index(row.bucket)
      totals.requests[i]! += row.requests
      totals.tokens[i]! += row.totalTokens
      if (isErrorOutcome(row.outcome)) totals.errors[i]! += row.requests
      if (row.outcome !== 'success') continue
      latency.sum[i]! += row.latencySum
      latency.count[i]! += row.requests
      row.histogram!.forEach((n, b) => (histograms[i]![b]! += n))
    }

    const rows =
      groupBy === 'outcome'
        ? everything.map((row) => ({ ...row, value: row.outcome }))
        : this.rollups.range(span.grain, groupBy, span.first, span.last)
    const groups = new Map<string, { requests: number[]; errors: number[]; tokens: number[] }>()
    if (groupBy === 'outcome') {
      for (const outcome of requestOutcomes) {
        groups.set(outcome, { requests: zeros(), errors: zeros(), tokens: zeros() })
      }
    }
    for (const row of rows) {
      let group = groups.get(row.value)
      if (!group)
        groups.set(row.value, (group = { requests: zeros(), errors: zeros(), tokens: zeros() }))
      const i = index(row.bucket)
      group.requests[i]! += row.requests
      group.tokens[i]! += row.totalTokens
      if (isErrorOutcome(row.outcome)) group.errors[i]! += row.requests
    }

    return {
      range,
      groupBy,
      bucketSeconds: width / 1000,
      times: Array.from({ length: span.count }, (_, i) =>
        new Date(span.first + i * width).toISOString(),
      ),
      groups: this.topGroups(groups, groupBy, zeros),
      totals,
      latency: {
        p50: histograms.map((h) => histogramQuantile(h, 0.5)),
        p95: histograms.map((h) => histogramQuantile(h, 0.95)),
        avg: latency.sum.map((sum, i) =>
          latency.count[i]! === 0 ? null : Math.round(sum / latency.count[i]!),
        ),
      },
    }
  }

  keyUsage(range: UsageRange, limit: number): KeyUsage[] {
    this.flushAll()
    return this.usageBy('key', range, limit).map(([value, usage]) => {
      const keyId = Number(value)
      const key = this.deps.key(keyId)
      return {
        keyId,
        label: key?.label ?? null,
        masked: key?.masked ?? null,
        providerId: key?.providerId ?? null,
        state: key?.state ?? null,
        ...usage.fields,
        lastUsedAt: key?.lastUsedAt ?? isoOrNull(usage.lastAt),
        failures: key?.failures ?? 0,
        lastError: key?.lastError ?? null,
      }
    })
  }

  subKeyUsage(range: UsageRange, limit: number): SubKeyUsage[] {
    this.flushAll()
    const span = usageSpan(range, this.deps.clock.now())
    const models = new Map<string, { model: string; requests: number; tokens: number }[]>()
    const perModel = new Map<string, { model: string; requests: number; tokens: number }>()
    for (const row of this.rollups.sumsSince(span.grain, 'subKeyModel', span.first)) {
      const cut = row.value.indexOf('|')
      const id = row.value.slice(0, cut)
      const model = row.value.slice(cut + 1)
      let entry = perModel.get(row.value)
      if (!entry) {
        perModel.set(row.value, (entry = { model, requests: 0, tokens: 0 }))
        const list = models.get(id) ?? []
        list.push(entry)
        models.set(id, list)
      }
      entry.requests += row.requests
      entry.tokens += row.totalTokens
    }
    return this.usageBy('subKey', range, limit).map(([value, usage]) => {
      const subKeyId = Number(value)
      const subKey = this.deps.subKey(subKeyId)
      return {
        subKeyId,
        name: subKey?.name ?? null,
        ...usage.fields,
        lastUsedAt: isoOrNull(subKey?.lastUsedAt ?? usage.lastAt),
        models: (models.get(value) ?? []).sort((a, b) => b.requests - a.requests),
      }
    })
  }

  logs(input: LogListInput): LogPage {
    this.deps.flushPending()
    const { rows, total } = this.log.page(
      {
        subKeyId: input.subKeyId,
        keyId: input.keyId,
        providerId: input.providerId,
        model: input.model,
        outcome: input.outcome,
        status: input.status,
        from: input.from === undefined ? undefined : Date.parse(input.from),
        to: input.to === undefined ? undefined : Date.parse(input.to),
      },
      input.pageSize,
      (input.page - 1) * input.pageSize,
    )
    // A page names few keys, each read once.
    const keyNames = new Map<number, string | null>()
    const keyName = (id: number): string | null => {
      if (!keyNames.has(id)) {
        const key = this.deps.key(id)
        keyNames.set(id, key ? key.label || key.masked : null)
      }
      return keyNames.get(id)!
    }
    const items = rows.map((row) =>
      toLogEntry(row, {
        subKeyName:
          row.sub_key_id === null ? null : (this.deps.subKey(row.sub_key_id)?.name ?? null),
        keyName: row.key_id === null ? null : keyName(row.key_id),
      }),
    )
    return { items, total, page: input.page, pageSize: input.pageSize }
  }

  /** Per value of a dimension over a range, busiest first. */
  private usageBy(dim: Dimension, range: UsageRange, limit: number) {
    const span = usageSpan(range, this.deps.clock.now())
    const byValue = new Map<string, { fields: UsageFields; lastAt: number }>()
    for (const row of this.rollups.sumsSince(span.grain, dim, span.first)) {
      let usage = byValue.get(row.value)
      if (!usage) byValue.set(row.value, (usage = { fields: emptyUsage(), lastAt: 0 }))
      const { fields } = usage
      fields.requests += row.requests
      if (row.outcome === 'success') fields.successes += row.requests
      if (isErrorOutcome(row.outcome)) fields.errors += row.requests
      fields.tokens.prompt += row.promptTokens
      fields.tokens.completion += row.completionTokens
      fields.tokens.cached += row.cachedTokens
      fields.tokens.reasoning += row.reasoningTokens
      fields.tokens.total += row.totalTokens
      usage.lastAt = Math.max(usage.lastAt, row.lastAt)
    }
    return [...byValue.entries()]
      .sort((a, b) => b[1].fields.requests - a[1].fields.requests)
      .slice(0, limit)
  }

  private topGroups(
    groups: Map<string, { requests: number[]; errors: number[]; tokens: number[] }>,
    groupBy: StatsGroupBy,
    zeros: () => number[],
  ): StatsSeries['groups'] {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
    const entries = [...groups.entries()]
    if (groupBy !== 'outcome') entries.sort((a, b) => sum(b[1].requests) - sum(a[1].requests))
    const shown = entries.slice(0, MAX_SERIES_GROUPS)
    const result = shown.map(([key, group]) => ({ key, label: this.label(groupBy, key), ...group }))
    const rest = entries.slice(MAX_SERIES_GROUPS)
    if (rest.length > 0) {
      const other = { requests: zeros(), errors: zeros(), tokens: zeros() }
      for (const [, group] of rest) {
        for (const field of ['requests', 'errors', 'tokens'] as const) {
          group[field].forEach((n, i) => (other[field][i]! += n))
        }
      }
      result.push({ key: 'other', label: 'other', ...other })
    }
    return result
  }

  private label(groupBy: StatsGroupBy, key: string): string {
    switch (groupBy) {
      case 'outcome':
        return key
      case 'model':
        return key === '' ? '(no model)' : key
      case 'key': {
        const found = this.deps.key(Number(key))
        return found ? found.label || found.masked : `#${key}`
      }
      case 'subKey':
        return this.deps.subKey(Number(key))?.name ?? `#${key}`
    }
  }
}

interface UsageFields {
  requests: number
  successes: number
  errors: number
  tokens: TokenCounts
}

const emptyUsage = (): UsageFields => ({
  requests: 0,
  successes: 0,
  errors: 0,
  tokens: { prompt: 0, completion: 0, cached: 0, reasoning: 0, total: 0 },
})

function sumsOf(row: RollupRow): WindowSums {
  return {
    requests: row.requests,
    successes: row.outcome === 'success' ? row.requests : 0,
    errors: isErrorOutcome(row.outcome) ? row.requests : 0,
    tokens: row.totalTokens,
  }
}

function isoOrNull(ms: number | null): string | null {
  return ms === null || ms <= 0 ? null : new Date(ms).toISOString()
}
