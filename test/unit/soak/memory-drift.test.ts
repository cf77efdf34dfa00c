import { describe, expect, it } from 'vitest'
import { GcTrace, type FullGc } from '../../soak/gc-trace'
import { memoryDrift, memoryProblems, type RssSample } from '../../soak/memory-drift'

/** A 100 s run, warm-up 20 s: the halves are 20–60 s and 60–100 s. */
const DURATION = 100_000

function samples(rssMiB: (at: number) => number): RssSample[] {
  return Array.from({ length: 101 }, (_, i) => ({ at: i * 1000, rssKiB: rssMiB(i * 1000) * 1024 }))
}

function gcs(live: (at: number) => number, external: (at: number) => number | null): FullGc[] {
  return [25_000, 40_000, 55_000, 70_000, 85_000, 95_000].map((at) => ({
    at,
    liveMiB: live(at),
    committedMiB: 100,
    rssKiB: 300 * 1024,
    externalMiB: external(at),
  }))
}

describe('the soak memory verdict', () => {
  it('passes a run whose RSS peak rose while the live heap and external memory stayed flat', () => {
    // The first half never reached the plateau of memory glibc keeps after free(): not a leak.
    const rss = samples((at) => (at < 60_000 ? 290 : 335))
    const drift = memoryDrift(
      rss,
      gcs(
        () => 27,
        () => 5,
      ),
      DURATION,
      0.2,
    )
    expect(drift.rssPeakGrowthPercent).toBeGreaterThan(10)
    expect(drift.heldDriftPercent).toBe(0)
    expect(memoryProblems(drift, 0.1)).toEqual([])
  })

  it('fails a run whose Buffers pile up outside a flat live heap', () => {
    const rss = samples((at) => 250 + at / 1000)
    const drift = memoryDrift(
      rss,
      gcs(
        () => 27,
        (at) => 5 + at / 2000,
      ),
      DURATION,
      0.2,
    )
    const problems = memoryProblems(drift, 0.1)
    expect(drift.liveDriftPercent).toBe(0)
    expect(problems).toContainEqual(expect.stringMatching(/^live heap \+ external memory drifted/))
    expect(problems).toContainEqual(expect.stringMatching(/^RSS peak grew/))
  })

  it('fails a run whose live heap grew', () => {
    const drift = memoryDrift(
      samples(() => 300),
      gcs(
        (at) => 20 + at / 5000,
        () => 5,
      ),
      DURATION,
      0.2,
    )
    expect(memoryProblems(drift, 0.1)[0]).toMatch(/^live heap after full GC drifted/)
  })

  it('judges the RSS peak alone when external memory is not reported', () => {
    const rss = samples((at) => (at < 60_000 ? 290 : 335))
    const drift = memoryDrift(
      rss,
      gcs(
        () => 27,
        () => null,
      ),
      DURATION,
      0.2,
    )
    expect(drift.heldDriftPercent).toBeNull()
    expect(memoryProblems(drift, 0.1)).toContainEqual(expect.stringMatching(/^RSS peak grew/))
  })
})

describe('the GC trace', () => {
  it('keeps full GCs of the main isolate with the external memory reported after each', () => {
    const trace = new GcTrace(
      () => 1_000,
      () => 2048,
    )
    trace.push(
      '[1:0xa]   10 ms: Scavenge 5.0 (8.0) -> 4.0 (8.0) MB, …\n' +
        '[1:0xa] External memory reported:  100 KB\n' +
        '[1:0xa]   20 ms: Mark-Compact 119.6 (236.8) -> 29.5 (104.5) MB, …\n' +
        '[1:0xa] Memory allocator,       used:  1 KB, available: 2 KB\n' +
        '[1:0xa] External memory reported:  5120 KB\n' +
        '[1:0xa]   30 ms: Scavenge 35.0 (104.5) -> 30.0 (104.5) MB, …\n' +
        '[1:0xa] External memory rep',
    )
    trace.push('orted:  9999 KB\n')
    expect(trace.fullGcs()).toEqual([
      { at: 1_000, liveMiB: 29.5, committedMiB: 104.5, rssKiB: 2048, externalMiB: 5 },
    ])
  })
})
