/** How big a soak is and how its streams look (SECURITY R1: 500 streams for 10 minutes). */
export interface SoakOptions {
  /** Concurrent client streams: each worker starts its next request when one ends. */
  streams: number
  /** How long workers keep starting requests; streams under way then finish. */
  durationMs: number
  /** Seeds the upstream script and the load generator (printed, to replay a run). */
  seed: number
  /** Content chunks per stream (the client's `max_tokens`), inclusive range. */
  chunks: readonly [number, number]
  /** Pause between SSE events of one stream, inclusive range (ms). */
  chunkIntervalMs: readonly [number, number]
  /** Upstream delay before the first byte, up to this (ms). */
  maxFirstByteMs: number
  /** The first part of the run that memory may grow in (V8 heaps, pools, caches settle). */
  warmupFraction: number
  /**
   * Largest allowed change between the two halves after warm-up of the live heap after full GC
   * and of the RSS peak (memory-drift.ts), e.g. 0.1; null reports them without judging.
   */
  memoryTolerance: number | null
  /** Limit of the sub-key meant to run out during the run. */
  smallQuota: number
}

/** `npm run soak`: R1 as written. */
export const FULL_SOAK: Omit<SoakOptions, 'seed'> = {
  streams: 500,
  durationMs: 10 * 60_000,
  chunks: [5, 40],
  chunkIntervalMs: [20, 200],
  maxFirstByteMs: 300,
  warmupFraction: 0.2,
  memoryTolerance: 0.1,
  smallQuota: 3_000,
}

/** The run inside `vitest run`: same code, CI-sized (≤ 40 s in all). */
export const CI_SOAK: Omit<SoakOptions, 'seed'> = {
  streams: 100,
  durationMs: 20_000,
  chunks: [5, 30],
  chunkIntervalMs: [5, 50],
  maxFirstByteMs: 150,
  warmupFraction: 0.3,
  // Reported only: 20 s is too short for V8's heaps to settle (RSS still grows by a third, and
  // one GC swing, with maybe one full GC, lasts longer than the run), so a ±10% bound would judge
  // the warm-up, not a leak. The full soak judges it.
  memoryTolerance: null,
  smallQuota: 40,
}

/**
 * The full soak with overrides from the environment (scripts/soak.mjs turns `--streams`,
 * `--minutes`, `--seconds`, `--seed` into these): SOAK_STREAMS, SOAK_MINUTES or SOAK_SECONDS,
 * SOAK_SEED.
 */
export function soakOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  base: Omit<SoakOptions, 'seed'> = FULL_SOAK,
): SoakOptions {
  const number = (name: string): number | undefined => {
    const value = env[name]
    if (value === undefined || value === '') return undefined
    const parsed = Number(value)
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be > 0: ${value}`)
    return parsed
  }
  const streams = number('SOAK_STREAMS') ?? base.streams
  const seconds = number('SOAK_SECONDS') ?? (number('SOAK_MINUTES') ?? 0) * 60
  const durationMs = seconds > 0 ? Math.round(seconds * 1000) : base.durationMs
  const seed = number('SOAK_SEED') ?? Math.floor(Math.random() * 2 ** 31)
  // Scaled so the quota still runs out part-way through a shorter or narrower run.
  const scale = (streams * durationMs) / (base.streams * base.durationMs)
  return {
    ...base,
    streams: Math.round(streams),
    durationMs,
    seed,
    smallQuota: Math.max(10, Math.round(base.smallQuota * scale)),
  }
}
