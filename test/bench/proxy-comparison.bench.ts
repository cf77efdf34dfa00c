import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { alternatingRounds } from './harness/alternating-rounds'
import {
  recordSection,
  type LatencyScenario,
  type ProxySection,
  type ThroughputScenario,
} from './harness/bench-results'
import { benchConfig as config } from './harness/bench-config'
import type { BenchTarget } from './harness/bench-target'
import {
  LOAD_CORE,
  PROXY_CORE,
  pinningAvailable,
  pinThisProcessToLoadCore,
} from './harness/cpu-pinning'
import { startKeyPoolServe, type KeyPoolServeProcess } from './harness/keypool-serve-process'
import { startMockUpstreamProcess, type MockUpstreamProcess } from './harness/mock-upstream-process'
import { startPassThroughProcess, type PassThroughProcess } from './harness/pass-through-process'
import { latencyRounds, throughputRounds } from './harness/round-summary'
import { runSequential } from './harness/sequential-latency'
import { fixed, textTable } from './harness/text-table'
import { runThroughput } from './harness/throughput-run'

/**
 * Issue 8, items 1 (a)–(c): KeyPool `serve` against the least a proxy can do (a minimal undici
 * pass-through over the same keys), both as child processes pinned to core 0, with the mock
 * upstream (own process) and the load generator (this process) on core 1. Every scenario runs
 * each target in alternating rounds and keeps the median; the mock itself is a target too, so
 * the report shows the load side's own ceiling. Prints a table and hands the figures to the run's
 * JSON; asserts nothing. Durations: see harness/bench-config.ts (BENCH_QUICK=1 for a short run).
 *   npm run bench -- test/bench/proxy-comparison.bench.ts
 */

const upstreamKeys = Array.from(
  { length: config.keys },
  (_, i) => `sk-bench-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`,
)

let restoreAffinity = (): void => {}
let mock: MockUpstreamProcess | undefined
let passThrough: PassThroughProcess | undefined
let keypool: KeyPoolServeProcess | undefined
let baseline: KeyPoolServeProcess | undefined
let targets: BenchTarget[] = []
const section: Partial<ProxySection> = {}

/** One request of each kind through every target: a broken setup fails here, not in a table. */
async function checkTargets(): Promise<void> {
  for (const target of targets) {
    for (const stream of [false, true]) {
      const sample = await runSequential(target, { stream, requests: 3 })
      if (sample.errors > 0) {
        const child = [mock, passThrough, keypool, baseline].find(
          (c) => c?.child.pid === target.pid,
        )
        throw new Error(
          `${target.name} failed a ${stream ? 'streamed' : 'plain'} chat completion\n` +
            (child?.child.tail ?? ''),
        )
      }
    }
  }
}

const progress = (scenario: string, target: BenchTarget, round: number, text: string): void => {
  console.log(`  ${scenario} round ${round + 1}/${config.rounds} ${target.name.padEnd(12)} ${text}`)
}

beforeAll(async () => {
  restoreAffinity = pinThisProcessToLoadCore()
  mock = await startMockUpstreamProcess([{ streamChunks: config.streamChunks }])
  // Profiles (BENCH_CPU_PROFILE_DIR) land in one folder per process under test.
  const profileDir = (name: string) =>
    config.cpuProfileDir ? { cpuProfileDir: path.join(config.cpuProfileDir, name) } : {}
  passThrough = await startPassThroughProcess(
    mock.urls[0]!,
    upstreamKeys,
    profileDir('pass-through'),
  )
  keypool = await startKeyPoolServe({
    providers: [{ baseUrl: mock.urls[0]!, keys: upstreamKeys }],
    ...profileDir('keypool'),
  })
  if (config.baselineEntry) {
    baseline = await startKeyPoolServe({
      providers: [{ baseUrl: mock.urls[0]!, keys: upstreamKeys }],
      entry: config.baselineEntry,
    })
  }
  const mockOrigin = new URL(mock.urls[0]!).origin
  targets = [
    {
      name: 'mock',
      origin: mockOrigin,
      authorization: `Bearer ${upstreamKeys[0]}`,
      pid: mock.child.pid,
    },
    {
      name: 'pass-through',
      origin: passThrough.url,
      authorization: `Bearer ${keypool.subKeys[0]}`,
      pid: passThrough.child.pid,
    },
    {
      name: 'keypool',
      origin: keypool.url,
      authorization: `Bearer ${keypool.subKeys[0]}`,
      pid: keypool.child.pid,
    },
  ]
  if (baseline) {
    targets.push({
      name: 'baseline',
      origin: baseline.url,
      authorization: `Bearer ${baseline.subKeys[0]}`,
      pid: baseline.child.pid,
    })
  }
  await checkTargets()
  section.config = {
    rounds: config.rounds,
    seconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    connections: config.connections,
    sequentialRequests: config.sequentialRequests,
    keys: config.keys,
    streamChunks: config.streamChunks,
    quick: config.quick,
  }
  section.pinned = pinningAvailable
  section.buildStale = keypool.buildStale
}, 120_000)

afterAll(async () => {
  await Promise.allSettled([keypool?.stop(), baseline?.stop(), passThrough?.stop(), mock?.stop()])
  restoreAffinity()
  if (section.nonStreamed && section.streamed && section.idle && section.firstByte) {
    recordSection('proxy', section as ProxySection)
  }
  printReport()
}, 60_000)

/** Mock, pass-through, KeyPool, and the baseline build when one is given. */
const targetCount = config.baselineEntry ? 4 : 3

const throughputTimeout = (): number =>
  (config.rounds * targetCount * (config.seconds + 2) + targetCount * (config.warmupSeconds + 2)) *
    1000 +
  60_000

async function throughputScenario(label: string, stream: boolean): Promise<ThroughputScenario> {
  const run = (target: BenchTarget, seconds: number) =>
    runThroughput(target, {
      stream,
      connections: config.connections,
      seconds,
      mockPid: mock!.child.pid,
    })
  const samples = await alternatingRounds({
    targets,
    rounds: config.rounds,
    warmUp: (target) => run(target, config.warmupSeconds),
    measure: (target) => run(target, config.seconds),
    onSample: (target, round, s) =>
      progress(
        label,
        target,
        round,
        `${fixed(s.rps)} req/s, p99 ${fixed(s.p99)} ms, errors ${s.errors}, ` +
          `CPU target ${fixed(s.targetCpu, 2)} mock ${fixed(s.mockCpu, 2)} ` +
          `load ${fixed(s.loadCpu, 2)}, cores busy ${fixed(s.proxyCoreBusy, 2)} ${fixed(s.loadCoreBusy, 2)}`,
      ),
  })
  const byTarget = Object.fromEntries(
    [...samples].map(([name, rounds]) => [name, throughputRounds(rounds)]),
  )
  const rps = (name: string) => byTarget[name]!.median.rps
  const shared = (name: string) => {
    const { proxyCoreBusy, targetCpu } = byTarget[name]!.median
    return proxyCoreBusy === null || targetCpu === null ? 0 : proxyCoreBusy - targetCpu
  }
  const cpu = (name: string) => byTarget[name]!.median.cpuMicrosPerRequest ?? Number.NaN
  return {
    label,
    targets: byTarget,
    ratio: rps('keypool') / rps('pass-through'),
    cpuRatio: cpu('pass-through') / cpu('keypool'),
    loadHeadroom: rps('mock') / rps('pass-through'),
    proxyCoreShared: Math.max(shared('pass-through'), shared('keypool')),
  }
}

async function latencyScenario(label: string, stream: boolean): Promise<LatencyScenario> {
  const samples = await alternatingRounds({
    targets,
    rounds: config.rounds,
    warmUp: (target) => runSequential(target, { stream, requests: 200 }),
    measure: (target) => runSequential(target, { stream, requests: config.sequentialRequests }),
    onSample: (target, round, s) =>
      progress(label, target, round, `p50 ${fixed(s.p50, 3)} ms, p99 ${fixed(s.p99, 3)} ms`),
  })
  const byTarget = Object.fromEntries(
    [...samples].map(([name, rounds]) => [name, latencyRounds(rounds)]),
  )
  return {
    label,
    targets: byTarget,
    addedP50: byTarget['keypool']!.median.p50 - byTarget['pass-through']!.median.p50,
  }
}

describe('KeyPool against a minimal pass-through', () => {
  it('(a) small non-streamed chat completions', { timeout: throughputTimeout() }, async () => {
    section.nonStreamed = await throughputScenario(
      `(a) non-streamed, ${config.connections} connections`,
      false,
    )
  })

  it('(b) streamed chat completions', { timeout: throughputTimeout() }, async () => {
    section.streamed = await throughputScenario(
      `(b) streamed ${config.streamChunks} chunks, ${config.connections} connections`,
      true,
    )
  })

  it('(c) idle latency and time to first streamed byte', { timeout: 600_000 }, async () => {
    section.idle = await latencyScenario('(c) idle latency, sequential', false)
    section.firstByte = await latencyScenario('(c) first streamed byte, sequential', true)
  })
})

function printReport(): void {
  const rows: string[][] = []
  for (const scenario of [section.nonStreamed, section.streamed]) {
    if (!scenario) continue
    for (const [name, { median: m, errorsTotal }] of Object.entries(scenario.targets)) {
      rows.push([
        name === 'mock' ? scenario.label : '',
        name,
        fixed(m.rps),
        fixed(m.p50),
        fixed(m.p99),
        String(errorsTotal),
        fixed(m.targetCpu, 2),
        fixed(m.cpuMicrosPerRequest),
        fixed(m.mockCpu, 2),
        fixed(m.loadCpu, 2),
        name === 'mock' ? '' : fixed(m.proxyCoreBusy, 2),
        fixed(m.loadCoreBusy, 2),
        name === 'keypool' || name === 'baseline' ? fixed(passRatio(scenario, name), 3) : '',
        name === 'keypool' || name === 'baseline' ? fixed(passCpuRatio(scenario, name), 3) : '',
      ])
    }
  }
  const latencyRows: string[][] = []
  for (const scenario of [section.idle, section.firstByte]) {
    if (!scenario) continue
    for (const [name, { median: m, errorsTotal }] of Object.entries(scenario.targets)) {
      latencyRows.push([
        name === 'mock' ? scenario.label : '',
        name,
        fixed(m.p50, 3),
        fixed(m.p99, 3),
        m.headersP50 === null ? '' : fixed(m.headersP50, 3),
        String(errorsTotal),
        name === 'keypool'
          ? `${scenario.addedP50 >= 0 ? '+' : ''}${fixed(scenario.addedP50, 3)}`
          : '',
      ])
    }
  }
  const throughput = [section.nonStreamed, section.streamed].filter(
    (s): s is ThroughputScenario => s !== undefined,
  )
  const headroom = throughput.map(
    (s) => `${s.label.slice(0, 3)} mock/pass-through ${fixed(s.loadHeadroom, 2)}×`,
  )
  const shared = Math.max(0, ...throughput.map((s) => s.proxyCoreShared))
  const lowHeadroom = Math.min(...throughput.map((s) => s.loadHeadroom))
  const sharedWarning =
    (shared > 0.1
      ? `\nWARNING: other processes used ${fixed(shared, 2)} of core ${PROXY_CORE} while the ` +
        'proxies ran: the machine is not quiet, the ratios are unreliable.'
      : '') +
    (lowHeadroom < 1.3
      ? '\nWARNING: the load side barely outruns the pass-through, which it may cap: ' +
        'KeyPool/pass flatters KeyPool; the CPU-cost ratio does not.'
      : '')
  console.log(
    `\nKeyPool vs minimal pass-through — ${config.rounds} rounds × ${config.seconds} s, medians; ` +
      `${os.availableParallelism()} cores, ${pinningAvailable ? 'proxies pinned to core 0, mock + load to core 1' : 'NOT pinned'}; ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; node ${process.version}` +
      (keypool?.buildStale
        ? '\nWARNING: sources of out/server/index.js changed after it was built: figures may be stale'
        : '') +
      '\n\n' +
      textTable(
        [
          'scenario',
          'target',
          'req/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'CPU target',
          'µs CPU/req',
          'CPU mock',
          'CPU load',
          `core ${PROXY_CORE} busy`,
          `core ${LOAD_CORE} busy`,
          'KeyPool/pass',
          'CPU-cost ratio',
        ],
        rows,
      ) +
      `\n(load-side headroom: ${headroom.join(', ')}; below ~1.3× the mock and load generator may be limiting)` +
      `${sharedWarning}\n\n` +
      textTable(
        ['scenario', 'target', 'p50 ms', 'p99 ms', 'headers p50', 'errors', 'added p50 ms'],
        latencyRows,
      ) +
      '\n',
  )
}

/** A KeyPool target's requests/s over the pass-through's. */
function passRatio(scenario: ThroughputScenario, name: string): number {
  return scenario.targets[name]!.median.rps / scenario.targets['pass-through']!.median.rps
}

/** The pass-through's CPU per request over a KeyPool target's. */
function passCpuRatio(scenario: ThroughputScenario, name: string): number {
  const cpu = (target: string) => scenario.targets[target]!.median.cpuMicrosPerRequest ?? Number.NaN
  return cpu('pass-through') / cpu(name)
}
