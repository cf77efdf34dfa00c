import { describe, expect, it } from 'vitest'
import { NotificationLimiter } from '../../../src/main/notification-limiter'
import { FakeClock } from '../../support/fake-clock'

function setup() {
  const clock = new FakeClock()
  const limiter = new NotificationLimiter<'keyFailed' | 'poolEmpty', string>({
    clock,
    windowMs: 60_000,
    settleMs: 2_000,
  })
  return { clock, limiter, start: clock.now() }
}

describe('NotificationLimiter', () => {
  it('holds a first event for the settle time, then releases it', () => {
    const { clock, limiter, start } = setup()
    limiter.push('keyFailed', 'k1', 'key 1')
    expect(limiter.nextDueAt()).toBe(start + 2_000)
    expect(limiter.takeDue()).toEqual([])
    clock.advance(2_000)
    expect(limiter.takeDue()).toEqual([{ kind: 'keyFailed', items: ['key 1'] }])
    expect(limiter.nextDueAt()).toBeUndefined()
  })

  it('turns a burst into one batch, de-duplicated by id', () => {
    const { clock, limiter } = setup()
    limiter.push('keyFailed', 'k1', 'key 1')
    clock.advance(500)
    limiter.push('keyFailed', 'k2', 'key 2')
    limiter.push('keyFailed', 'k1', 'key 1 again')
    limiter.push('keyFailed', 'k3', 'key 3')
    clock.advance(1_500)
    expect(limiter.takeDue()).toEqual([
      { kind: 'keyFailed', items: ['key 2', 'key 1 again', 'key 3'] },
    ])
  })

  it('allows at most one batch per kind per window, summarising what came meanwhile', () => {
    const { clock, limiter, start } = setup()
    limiter.push('keyFailed', 'k1', 'key 1')
    clock.advance(2_000)
    expect(limiter.takeDue()).toHaveLength(1)
    clock.advance(1_000)
    limiter.push('keyFailed', 'k2', 'key 2')
    clock.advance(10_000)
    limiter.push('keyFailed', 'k3', 'key 3')
    expect(limiter.nextDueAt()).toBe(start + 2_000 + 60_000)
    clock.set(start + 2_000 + 59_999)
    expect(limiter.takeDue()).toEqual([])
    clock.advance(1)
    expect(limiter.takeDue()).toEqual([{ kind: 'keyFailed', items: ['key 2', 'key 3'] }])
  })

  it('limits each kind on its own', () => {
    const { clock, limiter, start } = setup()
    limiter.push('keyFailed', 'k1', 'key 1')
    clock.advance(2_000)
    limiter.takeDue()
    limiter.push('poolEmpty', 'pool', 'empty')
    limiter.push('keyFailed', 'k2', 'key 2')
    expect(limiter.nextDueAt()).toBe(start + 4_000)
    clock.advance(2_000)
    expect(limiter.takeDue()).toEqual([{ kind: 'poolEmpty', items: ['empty'] }])
  })

  it('releases again after a quiet window without extra delay beyond the settle time', () => {
    const { clock, limiter } = setup()
    limiter.push('keyFailed', 'k1', 'key 1')
    clock.advance(2_000)
    limiter.takeDue()
    clock.advance(120_000)
    limiter.push('keyFailed', 'k2', 'key 2')
    expect(limiter.nextDueAt()).toBe(clock.now() + 2_000)
  })

  it('drops pending events of a kind', () => {
    const { clock, limiter } = setup()
    limiter.push('keyFailed', 'k1', 'key 1')
    limiter.drop('keyFailed')
    clock.advance(5_000)
    expect(limiter.takeDue()).toEqual([])
    expect(limiter.nextDueAt()).toBeUndefined()
  })
})
