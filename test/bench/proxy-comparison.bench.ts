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
import { V8_TUNING_FLAGS } from '../../src/core/v8-tuning'
import { startPassThroughProcess, type PassThroughProcess } from './harness/pass-through-process'
import { latencyRounds, throughputRounds } from './harness/round-summary'
import { runSequential } from './harness/sequential-latency'
import { fixed, textTable } from './harness/text-table'
import { median, medianOf } from './harness/statistics'
import { runThroughput, type ThroughputSample } from './harness/throughput-run'
import { runThroughputWrk } from './harness/wrk-run'

/**
 * Issue 8, items 1 (a)–(c): KeyPool `serve` against the least a proxy can do (a minimal undici
 * pass-through over the same keys), both as child processes pinned to core 0, with the mock
 * upstream (own process) and the load generator (this process) on core 1. Every scenario runs
 * each target in alternating rounds; the mock itself is a target too, so the report shows the
 * load side's own ceiling. Each proxy runs as `processes` processes (two by default), because
 * two processes of one build differ by up to ±5%: a target's figures pool its processes, and
 * the ratios are paired: KeyPool n's figure over pass-through n's, the two run one right after
 * the other, median over all pairs, so that the machine's drift (its speed here moves by a
 * third within minutes) cancels out. Prints a table
 * and hands the figures to the run's JSON; asserts nothing. Durations: harness/bench-config.ts
 * (BENCH_QUICK=1 for a short run).
 *   npm run bench -- test/bench/proxy-comparison.bench.ts
 */

const upstreamKeys = Array.from(
  { length: config.keys },
  (_, i) => `sk-bench-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`,
)

/** What a target is; several processes of one kind pool their figures. */
type TargetKind = 'mock' | 'pass-through' | 'keypool' | 'baseline'

let restoreAffinity = (): void => {}
let mock: MockUpstreamProcess | undefined
const passThroughs: PassThroughProcess[] = []
const keypools: KeyPoolServeProcess[] = []
const baselines: KeyPoolServeProcess[] = []
const targets: BenchTarget[] = []
/** Each target's kind, by target name (`keypool`, `keypool 2`, …). */
const kinds = new Map<string, TargetKind>()
const section: Partial<ProxySection> = {}

/** The name of process `index` (from 0) of a kind: the first keeps the bare name. */
const instanceName = (kind: TargetKind, index: number): string =>
  index === 0 ? kind : `${kind} ${index + 1}`

/** One request of each kind through every target: a broken setup fails here, not in a table. */
async function checkTargets(): Promise<void> {
  for (const target of targets) {
    for (const stream of [false, true]) {
      const sample = await runSequential(target, { stream, requests: 3 })
      if (sample.errors > 0) {
        const child = [mock, ...passThroughs, ...keypools, ...baselines].find(
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
  const upstream = mock.urls[0]!
  // Profiles (BENCH_CPU_PROFILE_DIR) land in one folder per process under test (the first ones).
  const profileDir = (name: string, index: number) =>
    config.cpuProfileDir && index === 0
      ? { cpuProfileDir: path.join(config.cpuProfileDir, name) }
      : {}
  for (let i = 0; i < config.processes; i++) {
    passThroughs.push(
      await startPassThroughProcess(upstream, upstreamKeys, {
        // The V8 settings KeyPool gives itself (src/core/v8-tuning.ts), so that the comparison
        // measures KeyPool's work, not V8's settings: without pretenuring off, V8 pretenures
        // some pass-through processes' request objects and they lose a fifth of their rate
        // (2026-12-06 08:52: 15,000 against 19,000 req/s for two processes of the same script),
        // which would flatter KeyPool; the larger inlining budget makes it 3% cheaper.
        nodeFlags: V8_TUNING_FLAGS,
        ...profileDir('pass-through', i),
      }),
    )
    keypools.push(
      await startKeyPoolServe({
        providers: [{ baseUrl: upstream, keys: upstreamKeys }],
        ...profileDir('keypool', i),
      }),
    )
    if (config.baselineEntry) {
      baselines.push(
        await startKeyPoolServe({
          providers: [{ baseUrl: upstream, keys: upstreamKeys }],
          entry: config.baselineEntry,
        }),
      )
    }
  }
  const add = (kind: TargetKind, index: number, target: Omit<BenchTarget, 'name'>) => {
    const name = instanceName(kind, index)
    kinds.set(name, kind)
    targets.push({ name, ...target })
  }
  add('mock', 0, {
    origin: new URL(upstream).origin,
    authorization: `Bearer ${upstreamKeys[0]}`,
    pid: mock.child.pid,
  })
  // Process i of each kind next to each other: a round compares neighbours in time.
  for (let i = 0; i < config.processes; i++) {
    add('pass-through', i, {
      origin: passThroughs[i]!.url,
      authorization: `Bearer ${keypools[0]!.subKeys[0]}`,
      pid: passThroughs[i]!.child.pid,
    })
    add('keypool', i, {
      origin: keypools[i]!.url,
      authorization: `Bearer ${keypools[i]!.subKeys[0]}`,
      pid: keypools[i]!.child.pid,
    })
    const base = baselines[i]
    if (base) {
      add('baseline', i, {
        origin: base.url,
        authorization: `Bearer ${base.subKeys[0]}`,
        pid: base.child.pid,
      })
    }
  }
  await checkTargets()
  section.config = {
    rounds: config.rounds,
    seconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    connections: config.connections,
    loadGenerator: config.loadGenerator,
    sequentialRequests: config.sequentialRequests,
    keys: config.keys,
    streamChunks: config.streamChunks,
    processes: config.processes,
    quick: config.quick,
  }
  section.pinned = pinningAvailable
  section.buildStale = keypools[0]!.buildStale
}, 180_000)

afterAll(async () => {
  await Promise.allSettled(
    [...keypools, ...baselines, ...passThroughs, mock].map((child) => child?.stop()),
  )
  restoreAffinity()
  if (section.nonStreamed && section.streamed && section.idle && section.firstByte) {
    recordSection('proxy', section as ProxySection)
  }
  printReport()
}, 60_000)

/** Mock, then pass-through, KeyPool (and the baseline build when one is given) per process. */
const targetCount = 1 + config.processes * (config.baselineEntry ? 3 : 2)

const throughputTimeout = (): number =>
  (config.rounds * targetCount * (config.seconds + 2) + targetCount * (config.warmupSeconds + 2)) *
    1000 +
  60_000

async function throughputScenario(label: string, stream: boolean): Promise<ThroughputScenario> {
  const load = config.loadGenerator === 'wrk' ? runThroughputWrk : runThroughput
  const run = (target: BenchTarget, seconds: number) =>
    load(target, {
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
  const pooled = poolByKind(samples)
  const byTarget = Object.fromEntries(
    [...pooled].map(([kind, rounds]) => [kind, throughputRounds(rounds)]),
  )
  const shared = (kind: TargetKind) => {
    const { proxyCoreBusy, targetCpu } = byTarget[kind]!.median
    return proxyCoreBusy === null || targetCpu === null ? 0 : proxyCoreBusy - targetCpu
  }
  const cpu = (sample: ThroughputSample) => sample.cpuMicrosPerRequest ?? Number.NaN
  const ratios = (kind: TargetKind) => ({
    ratio: pairedRatio(samples, kind, 'pass-through', (s) => s.rps),
    cpuRatio: pairedRatio(samples, 'pass-through', kind, cpu),
  })
  return {
    label,
    targets: byTarget,
    processes: Object.fromEntries(
      [...samples].map(([name, rounds]) => [name, medianOf(rounds, (r) => r.cpuMicrosPerRequest)]),
    ),
    ...ratios('keypool'),
    ...(config.baselineEntry && { baseline: ratios('baseline') }),
    ratioOfMedians: byTarget['keypool']!.median.rps / byTarget['pass-through']!.median.rps,
    loadHeadroom: byTarget['mock']!.median.rps / byTarget['pass-through']!.median.rps,
    proxyCoreShared: Math.max(shared('pass-through'), shared('keypool')),
  }
}

/** Every process's rounds, pooled by kind (`keypool` and `keypool 2` → `keypool`). */
function poolByKind<T>(samples: Map<string, T[]>): Map<TargetKind, T[]> {
  const pooled = new Map<TargetKind, T[]>()
  for (const [name, rounds] of samples) {
    const kind = kinds.get(name)!
    pooled.set(kind, [...(pooled.get(kind) ?? []), ...rounds])
  }
  return pooled
}

/**
 * The median of `top`'s figure over `bottom`'s, paired process by process (`keypool 2` with
 * `pass-through 2`) within each round: the two of a pair run one right after the other, so a
 * drift of the machine between rounds, or within a round, barely touches their ratio.
 */
function pairedRatio<T>(
  samples: Map<string, T[]>,
  top: TargetKind,
  bottom: TargetKind,
  figure: (sample: T) => number,
): number {
  const ratios: number[] = []
  for (let process = 0; process < config.processes; process++) {
    const over = samples.get(instanceName(top, process))!
    const under = samples.get(instanceName(bottom, process))!
    for (let round = 0; round < config.rounds; round++) {
      ratios.push(figure(over[round]!) / figure(under[round]!))
    }
  }
  return median(ratios)
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
    [...poolByKind(samples)].map(([kind, rounds]) => [kind, latencyRounds(rounds)]),
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
      `(a) non-streamed, ${config.connections} connections, ${config.loadGenerator}`,
      false,
    )
  })

  it('(b) streamed chat completions', { timeout: throughputTimeout() }, async () => {
    section.streamed = await throughputScenario(
      `(b) streamed ${config.streamChunks} chunks, ${config.connections} connections, ${config.loadGenerator}`,
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
        name === 'keypool' ? fixed(scenario.ratio, 3) : '',
        name === 'keypool' ? fixed(scenario.cpuRatio, 3) : '',
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
    `\nKeyPool vs minimal pass-through — ${config.rounds} rounds × ${config.seconds} s, ` +
      `${config.processes} process(es) each, medians; ` +
      `${os.availableParallelism()} cores, ${pinningAvailable ? 'proxies pinned to core 0, mock + load to core 1' : 'NOT pinned'}; ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; node ${process.version}` +
      (keypools[0]?.buildStale
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
      `\nKeyPool/pass and CPU-cost ratio: the median of ${config.rounds * config.processes} pairs ` +
      `(KeyPool n over pass-through n, run one after the other in the same round)\n` +
      detailLines(throughput) +
      `\n(load-side headroom: ${headroom.join(', ')}; below ~1.3× the mock and load generator may be limiting)` +
      `${sharedWarning}\n\n` +
      textTable(
        ['scenario', 'target', 'p50 ms', 'p99 ms', 'headers p50', 'errors', 'added p50 ms'],
        latencyRows,
      ) +
      '\n',
  )
}

/** Per scenario: each process's µs CPU/req, the ratio of medians, the baseline's ratios. */
function detailLines(scenarios: readonly ThroughputScenario[]): string {
  return scenarios
    .map((s) => {
      const processes = Object.entries(s.processes)
        .filter(([name]) => name !== 'mock')
        .map(([name, us]) => `${name} ${fixed(us)}`)
        .join(', ')
      const baseline = s.baseline
        ? `; baseline/pass ${fixed(s.baseline.ratio, 3)} (CPU-cost ${fixed(s.baseline.cpuRatio, 3)})`
        : ''
      return (
        `${s.label.slice(0, 3)} µs CPU/req per process: ${processes}; ` +
        `ratio of medians ${fixed(s.ratioOfMedians, 3)}${baseline}`
      )
    })
    .join('\n')
}
