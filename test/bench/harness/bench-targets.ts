import type { BenchSections } from './bench-results'

/** One of issue 8's targets, judged on a run's figures. */
export interface TargetVerdict {
  target: string
  /** The measured figure, as the table shows it. */
  measured: string
  /** true: met; false: missed; null: not measured in this run. */
  met: boolean | null
}

const mb = (value: number): string => `${value.toFixed(0)} MB`
const ms = (value: number, digits = 2): string => `${value.toFixed(digits)} ms`
/** An added latency with its sign: `+0.018 ms`, `-0.013 ms`. */
const addedMs = (value: number): string => `${value >= 0 ? '+' : ''}${ms(value, 3)}`

/**
 * Issue 8's targets, each judged from the sections a run produced. A target whose benchmark did
 * not run (e.g. one file run alone) is listed as not measured rather than left out, so the table
 * always shows the whole list.
 */
export function judgeTargets(s: BenchSections): TargetVerdict[] {
  const verdicts: TargetVerdict[] = []
  const add = (target: string, measured: string | null, met: boolean | null): void => {
    verdicts.push({ target, measured: measured ?? 'not run', met: measured === null ? null : met })
  }
  const proxy = s.proxy
  for (const [what, scenario] of [
    ['non-streamed', proxy?.nonStreamed],
    ['streamed', proxy?.streamed],
  ] as const) {
    if (!scenario) {
      add(`${what} throughput ≥ 0.90 × pass-through, 0 errors`, null, null)
      continue
    }
    const errors = scenario.targets['keypool']?.errorsTotal ?? Number.NaN
    const loaded =
      (scenario.proxyCoreShared > 0.1 ? ' (machine loaded)' : '') +
      (scenario.loadHeadroom < 1.3 ? ' (load side near its limit)' : '')
    const generator = String(proxy?.config['loadGenerator'] ?? 'autocannon')
    add(
      `${what} throughput ≥ 0.90 × pass-through, 0 errors`,
      `${scenario.ratio.toFixed(3)} × (CPU cost ${scenario.cpuRatio.toFixed(3)} ×), ` +
        `${errors} errors, ${generator}${loaded}`,
      scenario.ratio >= 0.9 && errors === 0,
    )
  }
  add(
    'idle added latency p50 ≤ 0.5 ms',
    proxy ? addedMs(proxy.idle.addedP50) : null,
    proxy ? proxy.idle.addedP50 <= 0.5 : null,
  )
  add(
    'time to first streamed byte: added p50 ≤ 0.5 ms',
    proxy ? addedMs(proxy.firstByte.addedP50) : null,
    proxy ? proxy.firstByte.addedP50 <= 0.5 : null,
  )

  const keypoolRuns = s.memory?.runs.filter((run) => run.target === 'keypool') ?? []
  const memoryRun = keypoolRuns.find((run) => run.peakUpstreamOpen >= run.streams) ?? keypoolRuns[0]
  add(
    `${memoryRun?.streams ?? 1000} concurrent streams < 300 MB RSS, all complete`,
    memoryRun
      ? `${mb(memoryRun.highWaterRssMb)} peak, ${memoryRun.completed}/${memoryRun.streams} ` +
          `complete, ${memoryRun.peakUpstreamOpen} upstream at once`
      : null,
    memoryRun
      ? memoryRun.highWaterRssMb < 300 &&
          memoryRun.completed === memoryRun.streams &&
          memoryRun.peakUpstreamOpen >= memoryRun.streams
      : null,
  )
  add(
    'bulk add 100,000 keys < 2 s',
    s.keys ? ms(s.keys.bulkAddMs, 0) : null,
    s.keys ? s.keys.bulkAddMs < 2000 : null,
  )
  add(
    'page of 50 at 100,000 keys < 20 ms',
    s.keys ? ms(s.keys.pageOf50Ms) : null,
    s.keys ? s.keys.pageOf50Ms < 20 : null,
  )
  add(
    'stats summary at 1,000,000 rows < 50 ms',
    s.stats ? ms(s.stats.summaryMs) : null,
    s.stats ? s.stats.summaryMs < 50 : null,
  )
  const slowest = s.stats
    ? Object.entries(s.stats.series).sort((a, b) => b[1] - a[1])[0]
    : undefined
  add(
    'each stats series at 1,000,000 rows < 50 ms',
    slowest ? `slowest ${ms(slowest[1])} (${slowest[0]})` : null,
    slowest ? slowest[1] < 50 : null,
  )
  const validation = s.validation?.cases.find((c) => c.keys === 10_000) ?? s.validation?.cases[0]
  add(
    'validation within 10% of keys ÷ concurrency × latency',
    validation
      ? `${validation.keys} keys @ ${validation.concurrency}: ` +
          `${(validation.measuredMs / 1000).toFixed(2)} s vs ideal ${(validation.idealMs / 1000).toFixed(2)} s` +
          (validation.mockRoundTripMs === undefined
            ? ''
            : ` (mock round trip ${validation.mockRoundTripMs.toFixed(1)} ms)`) +
          (validation.bareClientMs === undefined
            ? ''
            : `; a bare client ${(validation.bareClientMs / 1000).toFixed(2)} s`)
      : null,
    validation ? validation.measuredMs <= validation.idealMs * 1.1 : null,
  )
  return verdicts
}
