import { execFileSync } from 'node:child_process'
/**
 * Durations and sizes of the benchmarks, from the environment. `BENCH_QUICK=1` shortens every
 * run (for a check that the harness works, or a loaded machine); any single figure can still be
 * overridden by its own variable. Defaults are the figures issue 8 asks for.
 */

/** A positive integer from the environment, or the fallback. Throws on garbage, not silently. */
function envInteger(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number ≥ 0, not "${raw}"`)
  }
  return value
}

/** Whether Debian's `wrk` is on the PATH (`apt-get install wrk`). */
function wrkAvailable(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (error) {
    // wrk prints its usage and exits 1 on --version: present. Missing is ENOENT.
    return (error as { code?: unknown }).code !== 'ENOENT'
  }
}

/** `BENCH_LOAD` (`wrk` or `autocannon`), else wrk when it is installed. */
function loadGenerator(): 'wrk' | 'autocannon' {
  const asked = process.env.BENCH_LOAD
  if (asked === 'wrk' || asked === 'autocannon') return asked
  if (asked !== undefined && asked !== '') {
    throw new Error(`BENCH_LOAD must be "wrk" or "autocannon", not "${asked}"`)
  }
  return wrkAvailable() ? 'wrk' : 'autocannon'
}

export const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true'

export const benchConfig = {
  quick,
  /** Rounds per scenario; every target runs once per round, in alternating order. */
  rounds: envInteger('BENCH_ROUNDS', quick ? 2 : 6),
  /** Seconds of load per target per round (throughput scenarios). */
  seconds: envInteger('BENCH_SECONDS', quick ? 3 : 8),
  /**
   * Processes of each proxy under test (pass-through, KeyPool, baseline). Two processes of the
   * same build differ here by up to ±5% in CPU per request (code and heap placement), as much as
   * a target's margin: each figure pools its processes.
   */
  processes: Math.max(1, envInteger('BENCH_PROCESSES', quick ? 1 : 2)),
  /** Seconds of warm-up per target before the first round (JIT, connection pools). */
  warmupSeconds: envInteger('BENCH_WARMUP_SECONDS', quick ? 1 : 3),
  /**
   * The load generator of the throughput scenarios (a) and (b). wrk, where installed: it needs
   * a fraction of the load core that autocannon needs, so the proxy core is the one that
   * saturates (under autocannon the load side outran the pass-through by only 1.06–1.34×, and
   * the ratios came out 0.95–0.97 where wrk measured 0.85–0.88; docs/performance.md).
   */
  loadGenerator: loadGenerator(),
  /** Concurrent connections of the load generator in the throughput scenarios. */
  connections: envInteger('BENCH_CONNECTIONS', 32),
  /** Sequential requests per target per round in the idle-latency scenario. */
  sequentialRequests: envInteger('BENCH_SEQUENTIAL', quick ? 300 : 2_000),
  /** Upstream keys KeyPool and the pass-through rotate over. */
  keys: envInteger('BENCH_KEYS', 10),
  /** Chunks (content pieces) of a streamed completion in scenario (b) and the first-byte test. */
  streamChunks: envInteger('BENCH_STREAM_CHUNKS', 20),
  /** Concurrent slow streams of the memory benchmark. */
  memoryStreams: envInteger('BENCH_MEMORY_STREAMS', 1_000),
  /** Pause between the slow streams' chunks, in ms. */
  memoryChunkIntervalMs: envInteger('BENCH_MEMORY_INTERVAL_MS', 100),
  /** How long each slow stream lasts, in seconds. */
  memoryStreamSeconds: envInteger('BENCH_MEMORY_STREAM_SECONDS', quick ? 10 : 30),
  /**
   * Where a run's JSON lands (one file per run, named by its start time). Relative paths are
   * taken from the repository root.
   */
  resultsDir: process.env.BENCH_RESULTS_DIR || 'bench-results',
  /**
   * Another build's `out/server/index.js`: the proxy benchmark then also runs it, as target
   * `baseline`, in the same alternating rounds, so two versions are compared under the same drift
   * of the machine (run-to-run differences on a shared machine exceed what one change is worth).
   */
  baselineEntry: process.env.BENCH_BASELINE_ENTRY || null,
  /**
   * When set, the proxy benchmark runs KeyPool's `serve` child and the pass-through with
   * `--cpu-prof`; each writes its profile on exit to `<dir>/keypool/` or `<dir>/pass-through/`.
   * Summarise one with `node test/bench/cpu-profile-summary.mjs <file>`.
   */
  cpuProfileDir: process.env.BENCH_CPU_PROFILE_DIR || '',
} as const

export type BenchConfig = typeof benchConfig
