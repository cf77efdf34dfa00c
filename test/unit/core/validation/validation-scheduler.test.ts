import { describe, expect, it } from 'vitest'
import { EventBus } from '../../../../src/core/events/event-bus'
import { silentLogger } from '../../../../src/core/logger'
import type { TimerApi } from '../../../../src/core/validation/coalescing-emitter'
import { ValidationScheduler } from '../../../../src/core/validation/validation-scheduler'
import { defaultSettings, type Settings } from '../../../../src/shared/contract'

function setUp(scheduleMinutes: number) {
  const armed = new Map<number, { ms: number; callback: () => void }>()
  let next = 0
  const timers: TimerApi = {
    setTimeout: (callback, ms) => (armed.set(++next, { ms, callback }), next),
    clearTimeout: (handle) => void armed.delete(handle as number),
  }
  let settings: Settings = {
    ...defaultSettings,
    validation: { ...defaultSettings.validation, scheduleMinutes },
  }
  const events = new EventBus()
  let rechecks = 0
  const scheduler = new ValidationScheduler(
    {
      recheckDead: () => {
        rechecks++
        return undefined
      },
    },
    { get: () => settings },
    events,
    silentLogger,
    timers,
  )
  const change = (minutes: number): void => {
    settings = { ...settings, validation: { ...settings.validation, scheduleMinutes: minutes } }
    events.emit('settings.changed', settings)
  }
  const fire = (): void => {
    const due = [...armed.values()]
    armed.clear()
    for (const timer of due) timer.callback()
  }
  return { scheduler, armed, change, fire, rechecks: () => rechecks }
}

describe('ValidationScheduler', () => {
  it('re-checks dead keys every scheduleMinutes, re-arming after each tick', () => {
    const { scheduler, armed, fire, rechecks } = setUp(60)
    scheduler.start()
    expect([...armed.values()].map((t) => t.ms)).toEqual([3_600_000])
    fire()
    fire()
    expect(rechecks()).toBe(2)
    expect(armed.size).toBe(1)
  })

  it('follows settings.changed: a new interval re-arms, 0 turns it off, other changes do not', () => {
    const { scheduler, armed, change } = setUp(60)
    scheduler.start()
    const [first] = armed.keys()
    change(60)
    expect([...armed.keys()]).toEqual([first])
    change(5)
    expect([...armed.values()].map((t) => t.ms)).toEqual([300_000])
    change(0)
    expect(armed.size).toBe(0)
    expect(scheduler.armed).toBe(false)
  })

  it('stops: no timer left and settings changes are ignored', () => {
    const { scheduler, armed, change } = setUp(10)
    scheduler.start()
    scheduler.stop()
    expect(armed.size).toBe(0)
    change(20)
    expect(armed.size).toBe(0)
  })
})
