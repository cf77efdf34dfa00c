import type { FullGc } from './gc-trace'

/**
 * Whether the child's memory grew over a soak (SECURITY R1: "memory stable (±10%)").
 *
 * Inputs: RSS from /proc every second, and each full (mark-compact) GC of the main isolate from
 * `--trace-gc` with the heap still live after it. The first `warmupFraction` of the load is left
 * out (heaps, pools and caches grow to their working size there) and the rest is cut in two
 * halves, compared:
 *
 * - live heap after full GC, median of the second half against the first: the direct measure of
 *   a leak (what survives a full collection). Judged when each half has at least 2 full GCs.
 * - RSS high-water mark, the second half's against the first's. Under steady load V8 lets the
 *   old generation fill up to a limit derived from the live size, collects, and sometimes returns
 *   pages: RSS swings over minutes (runs of 5 and 10 minutes moved between ~185 and ~330 MiB
 *   while the live heap stayed at 27–30 MiB), so two medians or two instants compare points of a sawtooth and disagree by
 *   20–30% from run to run. The peaks of each half cover whole swings and rise only when the live
 *   size (hence V8's limit) or native memory rises.
 *
 * - memory held through the JS heap: the live heap plus the external (ArrayBuffer) memory its
 *   objects hold, after each full GC (`--trace-gc-verbose`). A Buffer leak shows here, not in
 *   the live heap (a 64 KiB backing store hangs off a 100-byte view). Medians of the two halves,
 *   judged like the live heap.
 *
 * The RSS peak of each half is judged as well, except when both measures above are flat: RSS
 * also holds what glibc keeps after `free()`. Measured on a 4-minute soak (2026-12-05): RSS 322
 * MiB, of which 128 MiB in the main thread's malloc heap; `malloc_trim(0)` (through gdb) gave
 * 110 MiB of it back at once (RSS 212 MiB), while two heap snapshots 160 s apart held the same
 * 35 MiB, 4.6 MiB of it ArrayBuffers. How much of that retained memory a half shows depends on
 * the seed's mix of aborts and resets: one full soak of three grew its RSS peak 14% that way
 * with the live heap flat. The medians of each half, the least-squares trend and the median of
 * each tenth are reported beside them, to show the trajectory.
 */

export interface RssSample {
  /** ms since the load started */
  at: number
  rssKiB: number
}

export interface MemoryDrift {
  /** Live heap after full GC (MiB), medians of the two halves after warm-up; null: none. */
  liveStartMiB: number | null
  liveEndMiB: number | null
  /** Judged; null when a half has fewer than 2 full GCs (short runs). */
  liveDriftPercent: number | null
  fullGcs: number
  /** Live heap + external memory at full GCs (MiB), medians of the two halves; null: none. */
  heldStartMiB: number | null
  heldEndMiB: number | null
  /** Judged; null when a half has fewer than 2 full GCs that report external memory. */
  heldDriftPercent: number | null
  /** RSS peaks (MiB) of the two halves after warm-up, and the growth of the second. */
  rssPeakStartMiB: number
  rssPeakEndMiB: number
  rssPeakGrowthPercent: number
  /** Reported only: RSS medians of the two halves, their drift, and the least-squares trend. */
  rssStartMiB: number
  rssEndMiB: number
  rssDriftPercent: number
  rssTrendPercent: number
  peakMiB: number
  samples: number
  /** Median RSS (MiB) of each tenth of the load. */
  tenthsMiB: number[]
}

const toMiB = (kib: number): number => Math.round((kib / 1024) * 10) / 10
const percent = (ratio: number): number => Math.round(ratio * 1000) / 10
const change = (from: number, to: number): number => (from === 0 ? 0 : percent((to - from) / from))

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

export function memoryDrift(
  samples: readonly RssSample[],
  fullGcs: readonly FullGc[],
  durationMs: number,
  warmupFraction: number,
): MemoryDrift {
  const warm = durationMs * warmupFraction
  const middle = warm + (durationMs - warm) / 2
  const between = <T extends { at: number }>(list: readonly T[], from: number, to: number): T[] =>
    list.filter((item) => item.at >= from && item.at < to)
  const rss = (list: readonly RssSample[]): number[] => list.map((sample) => sample.rssKiB)
  const first = rss(between(samples, warm, middle))
  const second = rss(between(samples, middle, durationMs + 1))
  const liveFirst = between(fullGcs, warm, middle).map((gc) => gc.liveMiB)
  const liveSecond = between(fullGcs, middle, durationMs + 1).map((gc) => gc.liveMiB)
  const liveStart = liveFirst.length > 0 ? median(liveFirst) : null
  const liveEnd = liveSecond.length > 0 ? median(liveSecond) : null
  const withExternal = fullGcs.filter((gc) => gc.externalMiB !== null)
  const held = (gc: FullGc): number => gc.liveMiB + gc.externalMiB!
  const heldFirst = between(withExternal, warm, middle).map(held)
  const heldSecond = between(withExternal, middle, durationMs + 1).map(held)
  const heldStart = heldFirst.length > 0 ? median(heldFirst) : null
  const heldEnd = heldSecond.length > 0 ? median(heldSecond) : null
  const peakStart = Math.max(0, ...first)
  const peakEnd = Math.max(0, ...second)
  const tenth = durationMs / 10
  return {
    liveStartMiB: liveStart,
    liveEndMiB: liveEnd,
    liveDriftPercent:
      liveFirst.length >= 2 && liveSecond.length >= 2 ? change(liveStart!, liveEnd!) : null,
    fullGcs: fullGcs.length,
    heldStartMiB: heldStart === null ? null : Math.round(heldStart * 10) / 10,
    heldEndMiB: heldEnd === null ? null : Math.round(heldEnd * 10) / 10,
    heldDriftPercent:
      heldFirst.length >= 2 && heldSecond.length >= 2 ? change(heldStart!, heldEnd!) : null,
    rssPeakStartMiB: toMiB(peakStart),
    rssPeakEndMiB: toMiB(peakEnd),
    rssPeakGrowthPercent: change(peakStart, peakEnd),
    rssStartMiB: toMiB(median(first)),
    rssEndMiB: toMiB(median(second)),
    rssDriftPercent: change(median(first), median(second)),
    rssTrendPercent: trend(samples.filter((sample) => sample.at >= warm)),
    peakMiB: toMiB(Math.max(0, ...rss(samples))),
    samples: samples.length,
    tenthsMiB: Array.from({ length: 10 }, (_, i) =>
      toMiB(median(rss(between(samples, i * tenth, (i + 1) * tenth)))),
    ),
  }
}

/** Memory checks that failed, against `tolerance` (e.g. 0.1). */
export function memoryProblems(drift: MemoryDrift, tolerance: number): string[] {
  const limit = tolerance * 100
  const problems: string[] = []
  if (drift.liveDriftPercent === null) {
    problems.push(`too few full GCs (${drift.fullGcs}) to compare the live heap`)
  } else if (Math.abs(drift.liveDriftPercent) > limit) {
    problems.push(
      `live heap after full GC drifted ${drift.liveDriftPercent}% (${drift.liveStartMiB} → ` +
        `${drift.liveEndMiB} MiB), limit ±${limit}%`,
    )
  }
  if (drift.heldDriftPercent !== null && Math.abs(drift.heldDriftPercent) > limit) {
    problems.push(
      `live heap + external memory drifted ${drift.heldDriftPercent}% (${drift.heldStartMiB} → ` +
        `${drift.heldEndMiB} MiB), limit ±${limit}%`,
    )
  }
  const heldFlat = drift.heldDriftPercent !== null && Math.abs(drift.heldDriftPercent) <= limit
  const liveFlat = drift.liveDriftPercent !== null && Math.abs(drift.liveDriftPercent) <= limit
  if (drift.rssPeakGrowthPercent > limit && !(heldFlat && liveFlat)) {
    problems.push(
      `RSS peak grew ${drift.rssPeakGrowthPercent}% (${drift.rssPeakStartMiB} → ` +
        `${drift.rssPeakEndMiB} MiB), limit +${limit}%`,
    )
  }
  return problems
}

/** Slope × span / mean: how much a straight line through the samples rises over them. */
function trend(samples: readonly RssSample[]): number {
  if (samples.length < 2) return 0
  const n = samples.length
  const meanAt = samples.reduce((sum, sample) => sum + sample.at, 0) / n
  const meanRss = samples.reduce((sum, sample) => sum + sample.rssKiB, 0) / n
  let covariance = 0
  let variance = 0
  for (const sample of samples) {
    covariance += (sample.at - meanAt) * (sample.rssKiB - meanRss)
    variance += (sample.at - meanAt) ** 2
  }
  if (variance === 0 || meanRss === 0) return 0
  const span = samples[n - 1]!.at - samples[0]!.at
  return percent(((covariance / variance) * span) / meanRss)
}
