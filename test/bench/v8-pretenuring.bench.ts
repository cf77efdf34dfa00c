import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, it } from 'vitest'
import { alternatingRounds } from './harness/alternating-rounds'
import { benchConfig as config, quick } from './harness/bench-config'
import type { BenchTarget } from './harness/bench-target'
import { pinThisProcessToLoadCore } from './harness/cpu-pinning'
import { startMockUpstreamProcess, type MockUpstreamProcess } from './harness/mock-upstream-process'
import { startPassThroughProcess, type PassThroughProcess } from './harness/pass-through-process'
import { throughputRounds } from './harness/round-summary'
import { fixed, textTable } from './harness/text-table'
import { runThroughput, type ThroughputSample } from './harness/throughput-run'

/**
 * Why KeyPool starts with `--no-allocation-site-pretenuring` (src/core/v8-tuning.ts): the
 * minimal pass-through, unchanged, measured three ways in alternating rounds on the proxy core:
 * as the proxy benchmark runs it (a nearly empty heap), with an old generation of KeyPool's size
 * preloaded (`harness/heap-preload.mjs`, 250,000 small objects), and with that heap and the flag.
 * The preloaded heap alone makes V8 pretenure request objects and most young memory survive each
 * scavenge; the flag gives the empty-heap figure back. Prints; asserts nothing.
 *   npm run bench -- test/bench/v8-pretenuring.bench.ts
 */

const ROUNDS = quick ? 2 : 3
const SECONDS = quick ? 3 : 6
const keys = Array.from({ length: 10 }, (_, i) => `sk-bench-${i}-${'x'.repeat(40)}`)
const preload = fileURLToPath(new URL('./harness/heap-preload.mjs', import.meta.url))

const variants: { name: string; nodeFlags: string[]; env: Record<string, string> }[] = [
  { name: 'empty heap', nodeFlags: [], env: {} },
  { name: 'KeyPool-sized heap', nodeFlags: ['--import', preload], env: {} },
  {
    name: 'KeyPool-sized heap, flag',
    nodeFlags: ['--import', preload],
    env: { PRETENURING_OFF: '1' },
  },
]

let restoreAffinity = (): void => {}
let mock: MockUpstreamProcess | undefined
const proxies: PassThroughProcess[] = []
const targets: BenchTarget[] = []

beforeAll(async () => {
  restoreAffinity = pinThisProcessToLoadCore()
  mock = await startMockUpstreamProcess([{}])
  for (const variant of variants) {
    const proxy = await startPassThroughProcess(mock.urls[0]!, keys, variant)
    proxies.push(proxy)
    targets.push({
      name: variant.name,
      origin: proxy.url,
      authorization: 'Bearer client',
      pid: proxy.child.pid,
    })
  }
}, 60_000)

afterAll(async () => {
  await Promise.allSettled([...proxies.map((proxy) => proxy.stop()), mock?.stop()])
  restoreAffinity()
})

it(
  'measures the pass-through with and without a KeyPool-sized heap and the V8 flag',
  { timeout: (ROUNDS * 3 * (SECONDS + 2) + 3 * 4) * 1000 + 60_000 },
  async () => {
    const run = (target: BenchTarget, seconds: number): Promise<ThroughputSample> =>
      runThroughput(target, {
        stream: false,
        connections: config.connections,
        seconds,
        mockPid: mock!.child.pid,
      })
    const samples = await alternatingRounds({
      targets,
      rounds: ROUNDS,
      warmUp: (target) => run(target, 2),
      measure: (target) => run(target, SECONDS),
      onSample: (target, round, s) =>
        console.log(
          `  round ${round + 1}/${ROUNDS} ${target.name.padEnd(26)} ${fixed(s.rps)} req/s, ` +
            `${fixed(s.cpuMicrosPerRequest, 1)} µs CPU/req, errors ${s.errors}`,
        ),
    })
    const rows = [...samples].map(([name, rounds]) => {
      const { median, errorsTotal } = throughputRounds(rounds)
      return [name, fixed(median.rps), fixed(median.cpuMicrosPerRequest, 1), String(errorsTotal)]
    })
    console.log(
      `\nV8 pretenuring: the minimal pass-through, ${ROUNDS} rounds × ${SECONDS} s, ` +
        `${config.connections} connections, small non-streamed completions, medians\n\n` +
        textTable(['pass-through', 'req/s', 'µs CPU/req', 'errors'], rows),
    )
  },
)
