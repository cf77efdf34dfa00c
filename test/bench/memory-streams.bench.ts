import { afterAll, beforeAll, describe, it } from 'vitest'
import { recordSection, type MemoryRun } from './harness/bench-results'
import { benchConfig as config } from './harness/bench-config'
import { runConcurrentStreams } from './harness/concurrent-streams'
import { pinThisProcessToLoadCore } from './harness/cpu-pinning'
import { startKeyPoolServe, type KeyPoolServeProcess } from './harness/keypool-serve-process'
import { startMockUpstreamProcess, type MockUpstreamProcess } from './harness/mock-upstream-process'
import { startPassThroughProcess, type PassThroughProcess } from './harness/pass-through-process'
import { residentMemory } from './harness/process-usage'
import { RssSampler } from './harness/rss-sampler'
import { fixed, textTable } from './harness/text-table'

/**
 * Issue 8, item 3: 1,000 concurrent slow streams (a chunk every 100 ms for 30 s) through KeyPool
 * `serve` (a child pinned to core 0), its RSS sampled from /proc every 250 ms, plus the kernel's
 * high-water mark. KeyPool keeps at most 128 connections per upstream origin, so against one
 * origin 1,000 streams cannot all run upstream at once: the first run spreads them over enough
 * origins (mock listeners on several ports, one provider and sub-key each) that they do, which
 * is the memory figure the target is about; the second sends them all to one origin, as a user
 * with one provider would, and shows the queueing (upstream peak, slowest stream). A third run
 * puts the minimal pass-through (no connection cap) in KeyPool's place: the memory any Node proxy
 * needs for these sockets, the floor to read KeyPool's figure against. Prints; asserts nothing. `BENCH_MEMORY_STREAMS`, `BENCH_MEMORY_STREAM_SECONDS`,
 * `BENCH_MEMORY_INTERVAL_MS` change the load.
 *   npm run bench -- test/bench/memory-streams.bench.ts
 */

/** KeyPool's upstream connections per origin (src/core/proxy/upstream-dispatcher.ts). */
const CONNECTIONS_PER_ORIGIN = 128
const KEYS_PER_PROVIDER = 4

const runs: MemoryRun[] = []
let buildStale = false
let restoreAffinity = (): void => {}

beforeAll(() => {
  restoreAffinity = pinThisProcessToLoadCore()
})

afterAll(() => {
  restoreAffinity()
  if (runs.length > 0) recordSection('memory', { buildStale, runs })
  console.log(
    `\nKeyPool memory under ${config.memoryStreams} concurrent slow streams ` +
      `(a chunk every ${config.memoryChunkIntervalMs} ms for ${config.memoryStreamSeconds} s)` +
      (buildStale
        ? '\nWARNING: sources of out/server/index.js changed after it was built: figures may be stale'
        : '') +
      '\n\n' +
      textTable(
        [
          'run',
          'target',
          'origins',
          'upstream peak',
          'complete',
          'RSS before MB',
          'peak RSS MB',
          'VmHWM MB',
          'wall s',
          'slowest s',
        ],
        runs.map((run) => [
          run.label,
          run.target,
          String(run.origins),
          String(run.peakUpstreamOpen),
          `${run.completed}/${run.streams}`,
          fixed(run.baselineRssMb),
          fixed(run.peakRssMb),
          fixed(run.highWaterRssMb),
          fixed(run.wallSeconds, 1),
          fixed(run.slowestStreamSeconds, 1),
        ]),
      ) +
      '\n',
  )
})

const MB = 1024 * 1024

/** The process under test, started in front of the mock's listeners. */
interface StreamsTarget {
  pid: number
  origin: string
  authorizations: string[]
  buildStale: boolean
  stop(): Promise<void>
}

async function startKeyPool(urls: string[]): Promise<StreamsTarget> {
  const keypool: KeyPoolServeProcess = await startKeyPoolServe({
    providers: urls.map((baseUrl, p) => ({
      baseUrl,
      keys: Array.from(
        { length: KEYS_PER_PROVIDER },
        (_, k) => `sk-bench-mem-${p}-${k}-${'x'.repeat(40)}`,
      ),
    })),
    // The global cap (default 2,000) must not be what refuses a stream.
    settings: { proxy: { maxConcurrentRequests: Math.max(2_000, config.memoryStreams + 100) } },
  })
  return {
    pid: keypool.child.pid,
    origin: keypool.url,
    authorizations: keypool.subKeys.map((secret) => `Bearer ${secret}`),
    buildStale: keypool.buildStale,
    stop: () => keypool.stop(),
  }
}

async function startPassThrough(urls: string[]): Promise<StreamsTarget> {
  const keys = Array.from({ length: KEYS_PER_PROVIDER }, (_, k) => `sk-bench-mem-${k}`)
  const proxy: PassThroughProcess = await startPassThroughProcess(urls[0]!, keys, {
    connections: 0,
  })
  return {
    pid: proxy.child.pid,
    origin: proxy.url,
    authorizations: ['Bearer sk-client'],
    buildStale: false,
    stop: () => proxy.stop(),
  }
}

async function measure(
  label: string,
  target: MemoryRun['target'],
  origins: number,
): Promise<MemoryRun> {
  const streamChunks = Math.round(
    (config.memoryStreamSeconds * 1000) / Math.max(1, config.memoryChunkIntervalMs),
  )
  let mock: MockUpstreamProcess | undefined
  let proxy: StreamsTarget | undefined
  try {
    mock = await startMockUpstreamProcess(
      Array.from({ length: origins }, () => ({
        streamChunks,
        chunkIntervalMs: config.memoryChunkIntervalMs,
      })),
    )
    proxy = target === 'keypool' ? await startKeyPool(mock.urls) : await startPassThrough(mock.urls)
    buildStale ||= proxy.buildStale
    const baseline = residentMemory(proxy.pid)?.rss ?? Number.NaN
    // KeyPool queues what its pool cannot send at once; the uncapped pass-through never does.
    const waves =
      target === 'keypool'
        ? Math.ceil(config.memoryStreams / (CONNECTIONS_PER_ORIGIN * origins))
        : 1
    const deadlineMs = waves * config.memoryStreamSeconds * 1000 * 1.5 + 60_000

    await mock.resetPeaks()
    const sampler = new RssSampler(proxy.pid, 250)
    sampler.start()
    const outcome = await runConcurrentStreams({
      origin: proxy.origin,
      authorizations: proxy.authorizations,
      streams: config.memoryStreams,
      deadlineMs,
    })
    const memory = sampler.stop()
    const stats = await mock.stats()
    if (outcome.failures.length > 0) {
      console.log(`  ${label}: failures: ${outcome.failures.join(' | ')}`)
    }
    return {
      label,
      target,
      streams: config.memoryStreams,
      origins,
      chunkIntervalMs: config.memoryChunkIntervalMs,
      streamSeconds: config.memoryStreamSeconds,
      completed: outcome.completed,
      failed: outcome.failed,
      failures: outcome.failures,
      baselineRssMb: baseline / MB,
      peakRssMb: memory.peakRss / MB,
      highWaterRssMb: memory.highWater / MB,
      peakUpstreamOpen: stats.peakOpenTotal,
      wallSeconds: outcome.wallSeconds,
      slowestStreamSeconds: outcome.slowestSeconds,
      rssPerSecondMb: memory.perSecond.map((rss) => (rss === null ? null : Math.round(rss / MB))),
    }
  } finally {
    await Promise.allSettled([proxy?.stop(), mock?.stop()])
  }
}

/** Bounds each run: every wave of streams, half as long again, plus start-up. */
const timeoutFor = (origins: number): number =>
  Math.ceil(config.memoryStreams / (CONNECTIONS_PER_ORIGIN * origins)) *
    config.memoryStreamSeconds *
    1500 +
  180_000

const spreadOrigins = Math.ceil(config.memoryStreams / CONNECTIONS_PER_ORIGIN)

describe('KeyPool memory under concurrent slow streams', () => {
  it(
    `all streams upstream at once (${spreadOrigins} origins)`,
    { timeout: timeoutFor(spreadOrigins) },
    async () => {
      runs.push(await measure('all concurrent upstream', 'keypool', spreadOrigins))
    },
  )

  it('one origin (queued behind 128 connections)', { timeout: timeoutFor(1) }, async () => {
    runs.push(await measure('one origin', 'keypool', 1))
  })

  it('the pass-through as the floor (no connection cap)', { timeout: timeoutFor(8) }, async () => {
    runs.push(await measure('floor: minimal pass-through', 'pass-through', 1))
  })
})
