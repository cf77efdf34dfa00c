/** The small statistics of the benchmark report, on plain arrays of numbers. */

/** The p-th percentile (nearest rank) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/**
 * The median: of the rounds of one target, it is the figure the report keeps, because one round
 * disturbed by another process on the machine moves a mean but not a median.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Median of a field over samples, skipping nulls (e.g. CPU shares /proc could not give). */
export function medianOf<T>(samples: readonly T[], field: (sample: T) => number | null): number {
  return median(samples.map(field).filter((value): value is number => value !== null))
}
