import fs from 'node:fs'
import path from 'node:path'
import { inject } from 'vitest'
import type { LatencySample } from './sequential-latency'
import type { ThroughputSample } from './throughput-run'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each benchmark file leaves its section; the global teardown merges them. */
    benchPartsDir: string
  }
}

/**
 * The figures each benchmark file hands to the run's JSON (and the targets summary). Every
 * benchmark file runs in its own worker, so a section travels as a file: `recordSection` writes
 * it, and `global-setup.ts` merges the sections into `bench-results/<time>.json` when the run ends.
 */

/** One target's rounds in one scenario, and the medians the table shows. */
export interface TargetRounds<T> {
  rounds: T[]
  median: T
  /** Errors of every round added up (the target is zero, so none may hide in a median). */
  errorsTotal: number
}

/** A proxy's figures over the pass-through's: the median over pairs run back to back. */
export interface PassRatios {
  /** Requests/s over the pass-through's. */
  ratio: number
  /**
   * The pass-through's CPU per request over this proxy's: the throughput ratio to expect when
   * both are CPU-bound on a core of their own.
   */
  cpuRatio: number
}

export interface ThroughputScenario extends PassRatios {
  label: string
  /** Each kind's rounds, its processes pooled ('mock', 'pass-through', 'keypool', 'baseline'). */
  targets: Record<string, TargetRounds<ThroughputSample>>
  /** Median µs CPU per request of each process ('keypool', 'keypool 2', …). */
  processes: Record<string, number>
  /** KeyPool's median requests/s over the pass-through's, unpaired (for comparison). */
  ratioOfMedians: number
  /** The baseline build's ratios, when one ran. */
  baseline?: PassRatios
  /** The mock's own median rate over the pass-through's: below ~1.3 the load side may limit. */
  loadHeadroom: number
  /**
   * Share of the proxy core other processes used while a proxy ran (its busy time minus the
   * proxy's own CPU; the larger of the two proxies' medians). Above ~0.1 the machine was not
   * quiet and the ratio is unreliable.
   */
  proxyCoreShared: number
}

export interface LatencyScenario {
  label: string
  targets: Record<string, TargetRounds<LatencySample>>
  /** KeyPool's median p50 minus the pass-through's, ms. */
  addedP50: number
}

export interface ProxySection {
  config: Record<string, unknown>
  pinned: boolean
  buildStale: boolean
  nonStreamed: ThroughputScenario
  streamed: ThroughputScenario
  idle: LatencyScenario
  firstByte: LatencyScenario
}

export interface MemoryRun {
  label: string
  /** The process measured: KeyPool `serve`, or the pass-through as the floor to compare with. */
  target: 'keypool' | 'pass-through'
  streams: number
  /** Mock listeners (= upstream origins, each with its own 128-connection pool in KeyPool). */
  origins: number
  chunkIntervalMs: number
  streamSeconds: number
  /** Streams that ended with `[DONE]` after every chunk. */
  completed: number
  failed: number
  /** A few distinct failure reasons. */
  failures: string[]
  /** The serve child's RSS before the streams, at the highest 250 ms sample, and VmHWM. */
  baselineRssMb: number
  peakRssMb: number
  highWaterRssMb: number
  /** Most requests the mock had open at once (how many streams really ran upstream together). */
  peakUpstreamOpen: number
  /** First request sent → last stream ended. */
  wallSeconds: number
  /** Slowest stream, send → end. */
  slowestStreamSeconds: number
  /** RSS at the first sample of each second of the run, MB (null: no sample that second). */
  rssPerSecondMb: (number | null)[]
}

export interface MemorySection {
  buildStale: boolean
  runs: MemoryRun[]
}

export interface KeysSection {
  bulkAddMs: number
  bulkAddHttpMs: number
  pageOf50Ms: number
  pageOf50HttpMs: number
}

export interface StatsSection {
  rows: number
  summaryMs: number
  /** Every series (range × groupBy) with its median time. */
  series: Record<string, number>
}

export interface ValidationCase {
  keys: number
  concurrency: number
  latencyMs: number
  measuredMs: number
  idealMs: number
  /** The mock's own round trip for one check, ms (its latency plus HTTP and its own work). */
  mockRoundTripMs?: number
  /**
   * The same checks' requests from a bare undici client at the same concurrency, ms: the floor
   * that this machine and the mock set, with nothing of KeyPool's in it.
   */
  bareClientMs?: number
}

export interface ValidationSection {
  cases: ValidationCase[]
}

export interface BenchSections {
  proxy?: ProxySection
  memory?: MemorySection
  keys?: KeysSection
  stats?: StatsSection
  validation?: ValidationSection
}

/** Hands one section to the run's results (replacing an earlier one of the same name). */
export function recordSection<K extends keyof BenchSections>(
  name: K,
  section: NonNullable<BenchSections[K]>,
): void {
  const dir = inject('benchPartsDir')
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(section))
}
