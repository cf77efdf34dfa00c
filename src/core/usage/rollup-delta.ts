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
    histogram: new Array<number>(LATENCY_BUCKETS).fill(0),
  }
}

/**
 * Folds a batch of requests into the roll-up rows it changes, so a flush upserts each row once
 * however many requests it carried (a busy 200 ms batch touches a few dozen rows). Runs on the
 * main thread at every flush: the map key is built from strings made once per request.
 */
export function rollupDeltas(requests: readonly CompletedRequest[]): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>()
  for (const request of requests) {
    const latencyBucketIndex = latencyBucket(request.latencyMs)
    const values = valuesOf(request)
    for (const grain of grains) {
      const bucket = bucketOf(request.at, grain)
      const head = `${grain}${bucket}\u0000${request.outcome}\u0000`
      for (const dim of dimensionsByGrain[grain]) {
        const value = values[dim]
        if (value === null) continue
        const id = head + dim + '\u0000' + value
        let delta = deltas.get(id)
        if (!delta) {
          delta = emptyDelta(grain, dim, bucket, value, request.outcome)
          deltas.set(id, delta)
        }
        delta.requests++
        delta.promptTokens += request.promptTokens
        delta.completionTokens += request.completionTokens
        delta.cachedTokens += request.cachedTokens
        delta.reasoningTokens += request.reasoningTokens
        delta.totalTokens += request.totalTokens
        delta.bytesOut += request.bytesOut
        delta.latencySum += request.latencyMs
        if (request.ttfbMs !== null) {
          delta.ttfbSum += request.ttfbMs
          delta.ttfbCount++
        }
        if (request.at > delta.lastAt) delta.lastAt = request.at
        delta.histogram[latencyBucketIndex]!++
      }
    }
  }
  return [...deltas.values()]
}
