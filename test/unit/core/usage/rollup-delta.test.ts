import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { requestOutcomes } from '../../../../src/shared/contract/stats'
import type { CompletedRequest } from '../../../../src/core/usage/completed-request'
import { latencyBucket, LATENCY_BUCKETS } from '../../../../src/core/usage/latency-histogram'
import {
  bucketOf,
  rollupDeltas,
  type Dimension,
  type Grain,
  type RollupDelta,
} from '../../../../src/core/usage/rollup-delta'
import { completedRequest } from '../../../support/completed-request'

const HOUR = 3_600_000

/**
 * The obvious fold, one request at a time into every row it touches: what the two-stage fold
 * in `rollupDeltas` must equal, row for row.
 */
function referenceDeltas(requests: readonly CompletedRequest[]): Map<string, RollupDelta> {
  const dims: Record<Grain, Dimension[]> = {
    m: ['all', 'model', 'key', 'subKey'],
    h: ['all', 'model', 'key', 'subKey', 'subKeyModel'],
    d: ['all', 'model', 'key', 'subKey', 'subKeyModel'],
  }
  const rows = new Map<string, RollupDelta>()
  for (const r of requests) {
    const model = r.model ?? ''
    const values: Record<Dimension, string | null> = {
      all: '',
      model,
      key: r.keyId === null ? null : String(r.keyId),
      subKey: r.subKeyId === null ? null : String(r.subKeyId),
      subKeyModel: r.subKeyId === null ? null : `${r.subKeyId}|${model}`,
    }
    for (const grain of ['m', 'h', 'd'] as const) {
      for (const dim of dims[grain]) {
        const value = values[dim]
        if (value === null) continue
        const bucket = bucketOf(r.at, grain)
        const id = [grain, dim, bucket, value, r.outcome].join('/')
        const row = rows.get(id) ?? {
          grain,
          dim,
          bucket,
          value,
          outcome: r.outcome,
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
          // Only `all` rows carry a latency histogram: nothing reads another dimension's.
          histogram: dim === 'all' ? new Array<number>(LATENCY_BUCKETS).fill(0) : [],
        }
        row.requests++
        row.promptTokens += r.promptTokens
        row.completionTokens += r.completionTokens
        row.cachedTokens += r.cachedTokens
        row.reasoningTokens += r.reasoningTokens
        row.totalTokens += r.totalTokens
        row.bytesOut += r.bytesOut
        row.latencySum += r.latencyMs
        if (r.ttfbMs !== null) {
          row.ttfbSum += r.ttfbMs
          row.ttfbCount++
        }
        row.lastAt = Math.max(row.lastAt, r.at)
        if (dim === 'all') row.histogram[latencyBucket(r.latencyMs)]!++
        rows.set(id, row)
      }
    }
  }
  return rows
}

const keyed = (deltas: readonly RollupDelta[]) =>
  new Map(deltas.map((d) => [[d.grain, d.dim, d.bucket, d.value, d.outcome].join('/'), d]))

const requestArbitrary = fc
  .record({
    // Three days around a day boundary, so minutes, hours and days all split.
    at: fc.integer({ min: 20_000 * 24 * HOUR, max: 20_003 * 24 * HOUR }),
    subKeyId: fc.option(fc.integer({ min: 1, max: 3 })),
    keyId: fc.option(fc.integer({ min: 1, max: 3 })),
    model: fc.option(fc.constantFrom('gpt-4o', 'gpt-4o-mini', 'o3')),
    outcome: fc.constantFrom(...requestOutcomes),
    latencyMs: fc.double({ min: 0, max: 120_000, noNaN: true }),
    ttfbMs: fc.option(fc.integer({ min: 0, max: 5_000 })),
    promptTokens: fc.nat(5_000),
    completionTokens: fc.nat(5_000),
    bytesOut: fc.nat(100_000),
  })
  .map((fields) => completedRequest(fields.at, fields))

describe('rollupDeltas', () => {
  it('equals folding each request into every row it touches', () => {
    fc.assert(
      fc.property(fc.array(requestArbitrary, { maxLength: 200 }), (requests) => {
        const actual = keyed(rollupDeltas(requests))
        const expected = referenceDeltas(requests)
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort())
        for (const [id, row] of expected) {
          const got = actual.get(id)!
          expect({ ...got, latencySum: 0 }).toEqual({ ...row, latencySum: 0 })
          expect(got.latencySum).toBeCloseTo(row.latencySum, 6)
        }
      }),
    )
  })

  it('folds a busy batch into few rows: 1,000 requests over 10 keys in one minute', () => {
    const minute = 20_000 * 24 * HOUR
    const requests = Array.from({ length: 1_000 }, (_, i) =>
      completedRequest(minute + i * 50, { keyId: 1 + (i % 10) }),
    )
    const deltas = rollupDeltas(requests)
    // Per grain: all, model, subKey (+ subKeyModel for h and d) and 10 keys.
    expect(deltas).toHaveLength(3 * (3 + 10) + 2)
    expect(deltas.filter((d) => d.dim === 'all').map((d) => d.requests)).toEqual([
      1_000, 1_000, 1_000,
    ])
  })
})
