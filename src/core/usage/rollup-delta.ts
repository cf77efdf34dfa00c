import type { RequestOutcome } from '../../shared/contract/stats'
import type { CompletedRequest } from './completed-request'
import { LATENCY_BUCKETS, latencyBucket } from './latency-histogram'

/** Roll-up granularities: per minute (the last hour's chart), per hour, per day (UTC). */
export type Grain = 'm' | 'h' | 'd'
export const GRAIN_MS: Readonly<Record<Grain, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/**
 * What a roll-up row sums: everything (`all`, value `''`), or one model, key id, sub-key id, or
 * sub-key and model (`<subKeyId>|<model>`, for per-sub-key usage by model).
 */
export type Dimension = 'all' | 'model' | 'key' | 'subKey' | 'subKeyModel'

const dimensionsByGrain: Readonly<Record<Grain, readonly Dimension[]>> = {
  m: ['all', 'model', 'key', 'subKey'],
  h: ['all', 'model', 'key', 'subKey', 'subKeyModel'],
  d: ['all', 'model', 'key', 'subKey', 'subKeyModel'],
}

/** The sums one batch adds to one roll-up row. */
export interface RollupDelta {
  grain: Grain
  dim: Dimension
  bucket: number
  value: string
  outcome: RequestOutcome
  requests: number
  promptTokens: number
  completionTokens: number
  cachedTokens: number
  reasoningTokens: number
  totalTokens: number
  bytesOut: number
  latencySum: number
  ttfbSum: number
  ttfbCount: number
  lastAt: number
  histogram: number[]
}

const grains: readonly Grain[] = ['m', 'h', 'd']

export function bucketOf(at: number, grain: Grain): number {
  const width = GRAIN_MS[grain]
  return Math.floor(at / width) * width
}

/** Each dimension's value for one request; null leaves the request out of that dimension. */
function valuesOf(request: CompletedRequest): Record<Dimension, string | null> {
  const model = request.model ?? ''
  const subKey = request.subKeyId === null ? null : String(request.subKeyId)
  return {
    all: '',
    model,
    key: request.keyId === null ? null : String(request.keyId),
    subKey,
    subKeyModel: subKey === null ? null : `${subKey}|${model}`,
  }
}

function emptyDelta(
  grain: Grain,
  dim: Dimension,
  bucket: number,
  value: string,
  outcome: RequestOutcome,
): RollupDelta {
  return {
    grain,
    dim,
    bucket,
    value,
    outcome,
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    bytesOut: 0,
    latencySum: 0,
    ttfbSum: 0,
    ttfbCount: 0,
    lastAt: 0,
    // Only `all` rows keep a latency histogram (the p50/p95 series read no other dimension).
    histogram: dim === 'all' ? new Array<number>(LATENCY_BUCKETS).fill(0) : [],
  }
}

/** Adds `from`'s sums into `into` (same outcome; bucket and value are the caller's). */
function addInto(into: RollupDelta, from: RollupDelta): void {
  into.requests += from.requests
  into.promptTokens += from.promptTokens
  into.completionTokens += from.completionTokens
  into.cachedTokens += from.cachedTokens
  into.reasoningTokens += from.reasoningTokens
  into.totalTokens += from.totalTokens
  into.bytesOut += from.bytesOut
  into.latencySum += from.latencySum
  into.ttfbSum += from.ttfbSum
  into.ttfbCount += from.ttfbCount
  if (from.lastAt > into.lastAt) into.lastAt = from.lastAt
  for (let i = 0; i < into.histogram.length; i++) into.histogram[i]! += from.histogram[i]!
}

/**
 * Requests of one batch that share the rows they touch: (minute, outcome, key) for the key rows,
 * (minute, outcome, sub-key, model) for the others. The second stage folds cells, not requests.
 */
interface Cell {
  sums: RollupDelta
  request: CompletedRequest
}

/** The dimensions a key cell fans out to, and those a (sub-key, model) cell does, per grain. */
const keyDimensionsByGrain: Readonly<Record<Grain, readonly Dimension[]>> = {
  m: ['key'],
  h: ['key'],
  d: ['key'],
}
const restDimensionsByGrain: Readonly<Record<Grain, readonly Dimension[]>> = {
  m: dimensionsByGrain.m.filter((dim) => dim !== 'key'),
  h: dimensionsByGrain.h.filter((dim) => dim !== 'key'),
  d: dimensionsByGrain.d.filter((dim) => dim !== 'key'),
}

/**
 * Folds a batch of requests into the roll-up rows it changes, so a flush upserts each row once
 * however many requests it carried. Two stages keep this cheap on the proxy's thread: requests
 * merge into cells with one map lookup each, and only the cells fan out to the grain × dimension
 * rows. There are two kinds of cell: per (minute, outcome, key) for the key rows, and per
 * (minute, outcome, sub-key, model) for all the others. A pool used round-robin puts every
 * request of a batch on another key: its key cells are many but fan out to 3 rows each, and
 * the few other cells to 11, instead of one cell per request fanning out to all 14.
 */
export function rollupDeltas(requests: readonly CompletedRequest[]): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>()
  foldRollupDeltas(requests, deltas)
  return [...deltas.values()]
}

/**
 * Adds a batch's requests to `deltas`, pending roll-up rows keyed by row (grain, bucket,
 * outcome, dimension, value): batches folded into the same map merge row by row.
 */
export function foldRollupDeltas(
  requests: readonly CompletedRequest[],
  deltas: Map<string, RollupDelta>,
): void {
  // Cells by (minute, outcome), then by key id, or by sub-key and model. A batch's requests
  // mostly share their minute and outcome, so the group is looked up again only when those
  // change, and the cells by the ids themselves: no key string is built and hashed per request.
  const groups = new Map<string, CellGroup>()
  let group: CellGroup | null = null
  let groupMinute = Number.NaN
  let groupOutcome = ''
  for (const request of requests) {
    const minute = bucketOf(request.at, 'm')
    if (group === null || minute !== groupMinute || request.outcome !== groupOutcome) {
      groupMinute = minute
      groupOutcome = request.outcome
      const name = `${minute}|${request.outcome}`
      group = groups.get(name) ?? null
      if (group === null) {
        group = { keys: new Map(), rest: new Map() }
        groups.set(name, group)
      }
    }
    let bySubKey = group.rest.get(request.subKeyId)
    if (!bySubKey) {
      bySubKey = new Map()
      group.rest.set(request.subKeyId, bySubKey)
    }
    let restCell = bySubKey.get(request.model)
    if (!restCell) {
      // `all` rows come from these cells: they carry the latency histogram.
      restCell = { sums: emptyDelta('m', 'all', minute, '', request.outcome), request }
      bySubKey.set(request.model, restCell)
    }
    addRequest(restCell.sums, request)
    restCell.sums.histogram[latencyBucket(request.latencyMs)]!++
    if (request.keyId === null) continue
    let keyCell = group.keys.get(request.keyId)
    if (!keyCell) {
      keyCell = { sums: emptyDelta('m', 'key', minute, '', request.outcome), request }
      group.keys.set(request.keyId, keyCell)
    }
    addRequest(keyCell.sums, request)
  }
  for (const { keys } of groups.values()) {
    for (const cell of keys.values()) fanOut(cell, keyDimensionsByGrain, deltas)
  }
  for (const { rest } of groups.values()) {
    for (const bySubKey of rest.values()) {
      for (const cell of bySubKey.values()) fanOut(cell, restDimensionsByGrain, deltas)
    }
  }
}

/** The cells of one (minute, outcome): by key id, and by sub-key id then model. */
interface CellGroup {
  keys: Map<number, Cell>
  rest: Map<number | null, Map<string | null, Cell>>
}

/** Adds one request's counts to a cell's sums (the histogram is the caller's). */
function addRequest(sums: RollupDelta, request: CompletedRequest): void {
  sums.requests++
  sums.promptTokens += request.promptTokens
  sums.completionTokens += request.completionTokens
  sums.cachedTokens += request.cachedTokens
  sums.reasoningTokens += request.reasoningTokens
  sums.totalTokens += request.totalTokens
  sums.bytesOut += request.bytesOut
  sums.latencySum += request.latencyMs
  if (request.ttfbMs !== null) {
    sums.ttfbSum += request.ttfbMs
    sums.ttfbCount++
  }
  if (request.at > sums.lastAt) sums.lastAt = request.at
}

/** Adds a cell's sums into its rows of `dimensions` at every grain. */
function fanOut(
  { sums, request }: Cell,
  dimensionsByGrain: Readonly<Record<Grain, readonly Dimension[]>>,
  deltas: Map<string, RollupDelta>,
): void {
  const values = valuesOf(request)
  for (const grain of grains) {
    const bucket = bucketOf(sums.bucket, grain)
    const head = `${grain}${bucket}\u0000${sums.outcome}\u0000`
    for (const dim of dimensionsByGrain[grain]) {
      const value = values[dim]
      if (value === null) continue
      const id = head + dim + '\u0000' + value
      let delta = deltas.get(id)
      if (!delta) {
        delta = emptyDelta(grain, dim, bucket, value, sums.outcome)
        deltas.set(id, delta)
      }
      addInto(delta, sums)
    }
  }
}
