import type { StatsRange, UsageRange } from '../../shared/contract/stats'
import { bucketOf, GRAIN_MS, type Grain } from './rollup-delta'

/** The buckets a range covers: `count` of `grain`, the current (partial) one last. */
export interface BucketSpan {
  grain: Grain
  first: number
  last: number
  count: number
}

const seriesSpans: Record<StatsRange, { grain: Grain; count: number }> = {
  '1h': { grain: 'm', count: 60 },
  '24h': { grain: 'h', count: 24 },
  '7d': { grain: 'h', count: 168 },
  '30d': { grain: 'd', count: 30 },
  '90d': { grain: 'd', count: 90 },
}

/** Chart buckets (SPEC §5): per minute for 1 h, per hour for 24 h and 7 d, per day for 30/90 d. */
export function seriesSpan(range: StatsRange, now: number): BucketSpan {
  const { grain, count } = seriesSpans[range]
  const last = bucketOf(now, grain)
  return { grain, count, last, first: last - (count - 1) * GRAIN_MS[grain] }
}

/** The buckets of a usage table's range; `all` is every day ever recorded. */
export function usageSpan(range: UsageRange, now: number): BucketSpan {
  if (range === 'all') return { grain: 'd', count: 0, first: 0, last: bucketOf(now, 'd') }
  return seriesSpan(range, now)
}
