/**
 * Upper bounds (exclusive, ms) of the latency histogram kept in every roll-up row; the last
 * bucket is open. About 1.3–2× apart: a percentile read back is off by at most one bucket's
 * width, and interpolation within the bucket usually does much better. Histograms merge by
 * addition, which a sorted sample or a mean never could across hours, keys and models.
 */
export const LATENCY_BOUNDS: readonly number[] = [
  10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000,
  7_500, 10_000, 15_000, 20_000, 30_000, 60_000,
]

/** Buckets per histogram: one per bound, plus the open one (= the migration's `l0..l23`). */
export const LATENCY_BUCKETS = LATENCY_BOUNDS.length + 1

export function latencyBucket(ms: number): number {
  let low = 0
  let high = LATENCY_BOUNDS.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (ms < LATENCY_BOUNDS[mid]!) high = mid
    else low = mid + 1
  }
  return low
}

/**
 * The `q`-quantile (0..1) of a histogram, interpolated linearly within its bucket; null when
 * empty. The open bucket answers its lower bound: nothing says how far beyond it went.
 */
export function histogramQuantile(counts: ArrayLike<number>, q: number): number | null {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  if (total === 0) return null
  const rank = q * total
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i]!
    if (inBucket === 0) continue
    if (seen + inBucket >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS[i - 1]!
      const upper = LATENCY_BOUNDS[i]
      if (upper === undefined) return lower
      return Math.round(lower + ((rank - seen) / inBucket) * (upper - lower))
    }
    seen += inBucket
  }
  return LATENCY_BOUNDS.at(-1)!
}
