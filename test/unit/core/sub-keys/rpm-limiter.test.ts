import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RpmLimiter } from '../../../../src/core/sub-keys/rpm-limiter'
import { FakeClock } from '../../../support/fake-clock'

describe('RpmLimiter', () => {
  it('admits N requests in a minute, then says when the oldest leaves the window', () => {
    const clock = new FakeClock()
    const limiter = new RpmLimiter(clock)
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.tryAcquire('a', 3)).toEqual({ allowed: true })
      clock.advance(10_000)
    }
    expect(limiter.tryAcquire('a', 3)).toEqual({ allowed: false, retryAfterSeconds: 30 })
    clock.advance(29_999)
    expect(limiter.tryAcquire('a', 3)).toEqual({ allowed: false, retryAfterSeconds: 1 })
    clock.advance(1)
    expect(limiter.tryAcquire('a', 3)).toEqual({ allowed: true })
  })

  it('keeps sub-keys apart and lets unlimited keys through', () => {
    const limiter = new RpmLimiter(new FakeClock())
    expect(limiter.tryAcquire('a', 1).allowed).toBe(true)
    expect(limiter.tryAcquire('a', 1).allowed).toBe(false)
    expect(limiter.tryAcquire('b', 1).allowed).toBe(true)
    expect(limiter.tryAcquire(7, null).allowed).toBe(true)
    expect(limiter.tryAcquire('z', 0)).toEqual({ allowed: false, retryAfterSeconds: 60 })
  })

  it('never lets 2N through across a minute boundary, unlike a fixed window', () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 0, 0, 59, 500))
    const limiter = new RpmLimiter(clock)
    for (let i = 0; i < 5; i += 1) expect(limiter.tryAcquire('a', 5).allowed).toBe(true)
    clock.advance(1_000)
    expect(limiter.tryAcquire('a', 5).allowed).toBe(false)
  })

  it('keeps the last minute when the limit is edited', () => {
    const clock = new FakeClock()
    const limiter = new RpmLimiter(clock)
    for (let i = 0; i < 4; i += 1) limiter.tryAcquire('a', 4)
    expect(limiter.tryAcquire('a', 2).allowed).toBe(false)
    expect(limiter.tryAcquire('a', 6).allowed).toBe(true)
    expect(limiter.tryAcquire('a', 6).allowed).toBe(true)
    expect(limiter.tryAcquire('a', 6).allowed).toBe(false)
  })

  it('forgets idle sub-keys once a minute', () => {
    const clock = new FakeClock()
    const limiter = new RpmLimiter(clock)
    for (let i = 0; i < 100; i += 1) limiter.tryAcquire(`k${i}`, 10)
    expect(limiter.size).toBe(100)
    clock.advance(61_000)
    limiter.tryAcquire('fresh', 10)
    expect(limiter.size).toBe(1)
    limiter.forget('fresh')
    expect(limiter.size).toBe(0)
  })

  it('property: no 60 s window ever holds more than N admitted requests', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 120 }),
        (limit, gaps) => {
          const clock = new FakeClock()
          const limiter = new RpmLimiter(clock)
          const admitted: number[] = []
          for (const gap of gaps) {
            clock.advance(gap)
            const decision = limiter.tryAcquire('k', limit)
            if (decision.allowed) admitted.push(clock.now())
            else {
              expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1)
              expect(decision.retryAfterSeconds).toBeLessThanOrEqual(60)
              const window = admitted.filter((t) => clock.now() - t < 60_000)
              expect(window.length).toBe(limit)
            }
          }
          for (let i = limit; i < admitted.length; i += 1) {
            expect(admitted[i]! - admitted[i - limit]!).toBeGreaterThanOrEqual(60_000)
          }
        },
      ),
    )
  })
})
