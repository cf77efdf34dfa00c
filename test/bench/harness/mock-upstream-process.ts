import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MockUpstreamOptions } from '../../support/mock-upstream'
import { BenchChild } from './bench-child'
import { LOAD_CORE, pinnedCommand } from './cpu-pinning'

const here = fileURLToPath(new URL('.', import.meta.url))

/** What the mock's control listener reports. */
export interface MockStats {
  listeners: {
    /** Requests received. */
    count: number
    /** Requests whose answer has not ended yet. */
    open: number
    /** Most open at once (sampled every 20 ms) since start or the last reset. */
    peakOpen: number
    /** TCP connections open to this listener. */
    connections: number
  }[]
  /** Most open requests over all listeners at once, since start or the last reset. */
  peakOpenTotal: number
}

/** The mock upstream running in its own process on the load core. */
export interface MockUpstreamProcess {
  child: BenchChild
  /** One base URL (`http://127.0.0.1:PORT/v1`) per listener, in the order asked for. */
  urls: string[]
  /** Counters of every listener. */
  stats(): Promise<MockStats>
  /** Resets the peak-of-open-requests counters. */
  resetPeaks(): Promise<void>
  stop(): Promise<void>
}

/**
 * The benchmark's defaults: nothing recorded (a benchmark must not grow the mock's memory), and
 * no UTF-8 character split over two writes (that adds a 2 ms pause to every stream).
 */
const BENCH_DEFAULTS: MockUpstreamOptions = {
  recordRequests: false,
  recordBodies: false,
  splitUtf8: false,
}

/**
 * Starts the mock upstream in a child pinned to the load core, one listener per entry of
 * `listeners`. A separate process (rather than the benchmark's own event loop) keeps the mock's
 * work from delaying the load generator's timers and lets the report show its CPU use.
 */
export async function startMockUpstreamProcess(
  listeners: MockUpstreamOptions[],
): Promise<MockUpstreamProcess> {
  const servers = listeners.map((options) => ({ ...BENCH_DEFAULTS, ...options }))
  const { command, args } = pinnedCommand(LOAD_CORE, process.execPath, [
    '--experimental-transform-types',
    '--no-warnings',
    '--import',
    path.join(here, 'ts-resolve-hook.mjs'),
    path.join(here, 'mock-upstream-child.ts'),
  ])
  const { child, match } = await BenchChild.start({
    name: 'mock upstream',
    command,
    args,
    env: { ...process.env, BENCH_MOCK_SERVERS: JSON.stringify(servers) },
    ready: /mock ready (\{.*\})\n/,
  })
  const ready = JSON.parse(match[1]!) as { urls: string[]; control: string }
  const control = async (route: string): Promise<MockStats> => {
    const response = await fetch(`${ready.control}${route}`)
    return (await response.json()) as MockStats
  }
  return {
    child,
    urls: ready.urls,
    stats: () => control('/stats'),
    resetPeaks: async () => {
      await control('/reset')
    },
    stop: async () => {
      await child.stop(5_000)
    },
  }
}
