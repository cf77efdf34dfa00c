import { describe, expect, it } from 'vitest'
import { BackupScheduler } from '../../../../src/core/backup/backup-scheduler'
import { EventBus } from '../../../../src/core/events/event-bus'
import { silentLogger } from '../../../../src/core/logger'
import type { TimerApi } from '../../../../src/core/validation/coalescing-emitter'
import { defaultSettings, type BackupEntry, type Settings } from '../../../../src/shared/contract'
import { FakeClock } from '../../../support/fake-clock'

const HOUR = 3_600_000
const MINUTE = 60_000

function setUp(options: { hours?: number; existing?: number[]; failing?: boolean } = {}) {
  const clock = new FakeClock()
  const timers = new Map<number, { ms: number; callback: () => void }>()
  let next = 0
  const timerApi: TimerApi = {
    setTimeout: (callback, ms) => (timers.set(++next, { ms, callback }), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
  }
  let settings: Settings = {
    ...defaultSettings,
    data: { ...defaultSettings.data, backupIntervalHours: options.hours ?? 24 },
  }
  const entry = (at: number): BackupEntry => ({
    name: `b-${at}`,
    sizeBytes: 1,
    createdAt: new Date(at).toISOString(),
    reason: 'scheduled',
  })
  const made: number[] = [...(options.existing ?? [])]
  let prunes = 0
  let failing = options.failing ?? false
  const backups = {
    create: async () => {
      if (failing) throw new Error('disk full')
      made.push(clock.now())
      return entry(clock.now())
    },
    newest: () => (made.length > 0 ? entry(Math.max(...made)) : undefined),
    pruneAll: () => void prunes++,
  }
  const events = new EventBus()
  const scheduler = new BackupScheduler(backups, () => settings, events, clock, silentLogger, {
    timers: timerApi,
    startDelayMs: 5 * MINUTE,
    retryMs: 15 * MINUTE,
    maxTimerMs: HOUR,
  })
  const change = (data: Partial<Settings['data']>): void => {
    settings = { ...settings, data: { ...settings.data, ...data } }
    events.emit('settings.changed', settings)
  }
  /** Moves the fake clock to the armed timer's deadline and runs what the timer runs. */
  const fire = async (): Promise<void> => {
    const [handle, timer] = [...timers.entries()][0]!
    timers.delete(handle)
    clock.advance(timer.ms)
    await scheduler.tick()
  }
  return {
    clock,
    scheduler,
    timers,
    made,
    change,
    fire,
    prunes: () => prunes,
    heal: () => (failing = false),
  }
}

describe('BackupScheduler (SECURITY D6, fake clock)', () => {
  it('makes the first backup shortly after start, then one every interval', async () => {
    const { scheduler, clock, made, fire, timers } = setUp({ hours: 6 })
    const start = clock.now()
    scheduler.start()
    expect([...timers.values()].map((t) => t.ms)).toEqual([5 * MINUTE])
    await fire()
    expect(made).toEqual([start + 5 * MINUTE])
    // The next is due 6 h later; timers wake at most hourly and back up only when due.
    for (let i = 0; i < 6; i++) await fire()
    expect(made).toEqual([start + 5 * MINUTE, start + 5 * MINUTE + 6 * HOUR])
    scheduler.stop()
    expect(timers.size).toBe(0)
  })

  it('counts the interval from the newest scheduled backup on disk, not from this start', async () => {
    const clock = new FakeClock()
    const { scheduler, made, fire, timers } = setUp({
      hours: 24,
      existing: [clock.now() - 23 * HOUR],
    })
    scheduler.start()
    expect([...timers.values()].map((t) => t.ms)).toEqual([HOUR])
    await fire()
    expect(made).toHaveLength(2)
    // Overdue at start: still waits the start delay.
    const late = setUp({ hours: 24, existing: [clock.now() - 72 * HOUR] })
    late.scheduler.start()
    expect([...late.timers.values()].map((t) => t.ms)).toEqual([5 * MINUTE])
  })

  it('follows settings: 0 turns it off, a new interval re-arms, a lower keep prunes at once', async () => {
    const { scheduler, timers, change, prunes, made, fire } = setUp({ hours: 24 })
    scheduler.start()
    expect(scheduler.armed).toBe(true)
    change({ backupIntervalHours: 0 })
    expect(scheduler.armed).toBe(false)
    expect(scheduler.dueAt()).toBeUndefined()
    change({ backupKeep: 3 })
    expect(prunes()).toBe(1)
    change({ backupKeep: 5 })
    expect(prunes()).toBe(1)
    change({ backupIntervalHours: 1 })
    expect(timers.size).toBe(1)
    await fire()
    expect(made).toHaveLength(1)
  })

  it('after a failed backup tries again after the retry delay, not in a loop', async () => {
    const { scheduler, clock, made, fire, heal, timers } = setUp({ hours: 1, failing: true })
    const start = clock.now()
    scheduler.start()
    await fire()
    expect(made).toEqual([])
    expect([...timers.values()].map((t) => t.ms)).toEqual([15 * MINUTE])
    heal()
    await fire()
    expect(made).toEqual([start + 20 * MINUTE])
  })
})
