import { describe, expect, it } from 'vitest'
import {
  histogramQuantile,
  LATENCY_BOUNDS,
  LATENCY_BUCKETS,
  latencyBucket,
} from '../../../../src/core/usage/latency-histogram'

describe('latency histogram', () => {
  it('puts each latency in the bucket whose bounds hold it', () => {
    expect(latencyBucket(0)).toBe(0)
    expect(latencyBucket(9)).toBe(0)
    expect(latencyBucket(10)).toBe(1)
    expect(latencyBucket(999)).toBe(LATENCY_BOUNDS.indexOf(1_000))
    expect(latencyBucket(1_000)).toBe(LATENCY_BOUNDS.indexOf(1_000) + 1)
    expect(latencyBucket(10 * 60_000)).toBe(LATENCY_BUCKETS - 1)
  })

  it('reads p50 and p95 back within one bucket of the true values', () => {
    const counts = new Array<number>(LATENCY_BUCKETS).fill(0)
    const samples = Array.from({ length: 1000 }, (_, i) => 50 + i * 2) // 50..2048 ms
    for (const ms of samples) counts[latencyBucket(ms)]!++
    const p50 = histogramQuantile(counts, 0.5)!
    const p95 = histogramQuantile(counts, 0.95)!
    expect(Math.abs(p50 - 1049) / 1049).toBeLessThan(0.1)
    expect(Math.abs(p95 - 1949) / 1949).toBeLessThan(0.1)
    expect(histogramQuantile(new Array<number>(LATENCY_BUCKETS).fill(0), 0.5)).toBeNull()
  })
})
