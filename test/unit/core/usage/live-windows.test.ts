import { describe, expect, it } from 'vitest'
import {
  LiveWindows,
  WINDOW_LENGTHS,
  type WindowName,
  type WindowSums,
} from '../../../../src/core/usage/live-windows'

interface Event {
  at: number
  sums: WindowSums
}

/** The windows by definition: every event with `now - length < at <= now`, summed. */
function oracle(events: readonly Event[], now: number): Record<WindowName, WindowSums> {
  const sum = (length: number): WindowSums => {
    const out = { requests: 0, successes: 0, errors: 0, tokens: 0 }
    for (const { at, sums } of events) {
      if (at <= now - length || at > now) continue
      out.requests += sums.requests
      out.successes += sums.successes
      out.errors += sums.errors
      out.tokens += sums.tokens
    }
    return out
  }
  return {
    lastMinute: sum(WINDOW_LENGTHS.lastMinute),
    lastHour: sum(WINDOW_LENGTHS.lastHour),
    last24h: sum(WINDOW_LENGTHS.last24h),
  }
}

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('LiveWindows', () => {
  it('matches the windows computed from every event, at edges exact to the millisecond', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed)
      const now = 1_800_000_000_000 + Math.floor(next() * 1000)
      const events: Event[] = []
      for (let i = 0; i < 3_000; i++) {
        // Dense near each window's far edge, spread over 25 h elsewhere.
        const edges = [
          0,
          WINDOW_LENGTHS.lastMinute,
          WINDOW_LENGTHS.lastHour,
          WINDOW_LENGTHS.last24h,
        ]
        const near = edges[Math.floor(next() * edges.length)]!
        const back =
          next() < 0.5 ? near + Math.floor((next() - 0.5) * 4_000) : Math.floor(next() * 90_000_000)
        const ok = next() < 0.8
        events.push({
          at: now - Math.max(0, back),
          sums: { requests: 1, successes: ok ? 1 : 0, errors: ok ? 0 : 1, tokens: i % 50 },
        })
      }
      // In time order, as requests finish: a slot a day old is then reused, never the reverse.
      events.sort((a, b) => a.at - b.at)
      const live = new LiveWindows()
      for (const event of events) live.add(event.at, event.sums)
      // The store answers the partial far-edge seconds from the same events.
      const edge = (from: number, to: number): WindowSums => {
        const out = { requests: 0, successes: 0, errors: 0, tokens: 0 }
        for (const { at, sums } of events) {
          if (at <= from || at >= to) continue
          out.requests += sums.requests
          out.successes += sums.successes
          out.errors += sums.errors
          out.tokens += sums.tokens
        }
        return out
      }
      for (const later of [0, 1, 999, 1_000, 61_234]) {
        expect(live.windows(now + later, edge), `seed ${seed}, now + ${later}`).toEqual(
          oracle(events, now + later),
        )
      }
    }
  })

  it('reads a slot reused by a second a day later as that second only', () => {
    const live = new LiveWindows()
    const now = 1_800_000_000_000
    live.add(now - 86_402_000, { requests: 5, successes: 5, errors: 0, tokens: 9 })
    live.add(now, { requests: 1, successes: 1, errors: 0, tokens: 2 })
    const none = () => ({ requests: 0, successes: 0, errors: 0, tokens: 0 })
    expect(live.windows(now, none).last24h).toEqual({
      requests: 1,
      successes: 1,
      errors: 0,
      tokens: 2,
    })
  })
})
