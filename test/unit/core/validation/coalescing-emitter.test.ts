import { describe, expect, it } from 'vitest'
import {
  CoalescingEmitter,
  type TimerApi,
} from '../../../../src/core/validation/coalescing-emitter'

function fakeTimers() {
  let now = 0
  const pending = new Map<number, { at: number; callback: () => void }>()
  let next = 0
  const timers: TimerApi = {
    setTimeout(callback, ms) {
      pending.set(++next, { at: now + ms, callback })
      return next
    },
    clearTimeout(handle) {
      pending.delete(handle as number)
    },
  }
  const advance = (ms: number): void => {
    now += ms
    for (const [handle, timer] of [...pending]) {
      if (timer.at <= now) {
        pending.delete(handle)
        timer.callback()
      }
    }
  }
  return { timers, advance, now: () => now, pending: () => pending.size }
}

describe('CoalescingEmitter', () => {
  it('flushes the first poke at once and folds later ones into one trailing flush', () => {
    const clock = fakeTimers()
    let flushed = 0
    const emitter = new CoalescingEmitter(() => flushed++, 250, clock.now, clock.timers)
    emitter.poke()
    expect(flushed).toBe(1)
    for (let i = 0; i < 100; i++) emitter.poke()
    expect(flushed).toBe(1)
    expect(clock.pending()).toBe(1)
    clock.advance(249)
    expect(flushed).toBe(1)
    clock.advance(1)
    expect(flushed).toBe(2)
    clock.advance(1000)
    expect(flushed).toBe(2)
    emitter.poke()
    expect(flushed).toBe(3)
  })

  it('final flushes now and cancels the trailing flush', () => {
    const clock = fakeTimers()
    let flushed = 0
    const emitter = new CoalescingEmitter(() => flushed++, 250, clock.now, clock.timers)
    emitter.poke()
    emitter.poke()
    emitter.final()
    expect(flushed).toBe(2)
    expect(clock.pending()).toBe(0)
    clock.advance(1000)
    expect(flushed).toBe(2)
  })
})
