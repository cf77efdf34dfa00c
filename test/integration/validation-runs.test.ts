import { afterEach, describe, expect, it, vi } from 'vitest'
import type { KeyPoolCore } from '../../src/core/keypool-core'
import type { TimerApi } from '../../src/core/validation/coalescing-emitter'
import { ValidationScheduler } from '../../src/core/validation/validation-scheduler'
import { silentLogger } from '../../src/core/logger'
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream'
import { addKeys, mockKey, openValidationCore, recordProgress } from './validation-fixture'

/**
 * Validation runs against the mock upstream with latency: the worker pool's bound, coalesced
 * progress, cancellation, one run at a time, on-add and the schedule.
 */
let mock: MockUpstream | undefined
let core: KeyPoolCore | undefined

afterEach(async () => {
  await core?.close(0)
  await mock?.close()
  core = undefined
  mock = undefined
})

const names = (count: number, tag = 'k'): string[] =>
  Array.from({ length: count }, (_, i) => `${tag}${i}`)

/** The most requests the mock held at once, from each exchange's arrival and end. */
function maxOverlap(upstream: MockUpstream): number {
  const edges = upstream.requests.flatMap((request) => [
    { at: request.time, delta: 1 },
    { at: request.closedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
  ])
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let open = 0
  let max = 0
  for (const edge of edges) max = Math.max(max, (open += edge.delta))
  return max
}

describe('validation runs', () => {
  it('never has more checks in flight than validation.concurrency', async () => {
    mock = await startMockUpstream({ latencyMs: 40 })
    core = openValidationCore(mock.url, { settings: { validation: { concurrency: 3 } } })
    await addKeys(core, names(24))
    let sampled = 0
    const sampler = setInterval(() => (sampled = Math.max(sampled, mock!.openRequests())), 2)
    core.validation.start('all')
    await core.validation.whenIdle()
    clearInterval(sampler)
    expect(mock.count()).toBe(24)
    expect(sampled).toBeLessThanOrEqual(3)
    expect(maxOverlap(mock)).toBe(3)
  })

  it('reports monotone progress, coalesced, ending with exactly one finished event', async () => {
    mock = await startMockUpstream({ latencyMs: 30 })
    core = openValidationCore(mock.url, { settings: { validation: { concurrency: 2 } } })
    await addKeys(core, names(30))
    mock.script(mockKey('k7'), 'unauthorized')
    const progress = recordProgress(core)
    const started = performance.now()
    const { runId } = core.validation.start('all')
    await core.validation.whenIdle()
    const elapsed = performance.now() - started

    expect(progress.length).toBeGreaterThanOrEqual(2)
    // ~4 per second (plus the first one and the final one).
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2)
    for (const [index, event] of progress.entries()) {
      expect(event).toMatchObject({ runId, total: 30, cancelled: false })
      expect(event.done).toBe(
        event.active + event.invalid + event.exhausted + event.cooling + event.unknown,
      )
      if (index > 0) expect(event.done).toBeGreaterThanOrEqual(progress[index - 1]!.done)
    }
    expect(progress.filter((event) => event.finished)).toHaveLength(1)
    expect(progress.at(-1)).toMatchObject({ finished: true, done: 30, active: 29, invalid: 1 })
  })

  it('tells of no answer before its state is stored: each progress event counts what the keys say', async () => {
    mock = await startMockUpstream({ latencyMs: 30 })
    core = openValidationCore(mock.url, { settings: { validation: { concurrency: 2 } } })
    const ids = await addKeys(core, names(32))
    const dead = names(32).filter((_, index) => index % 2 === 0)
    for (const name of dead) mock.script(mockKey(name), 'unauthorized')
    const seen: { counted: number; stored: number }[] = []
    core.events.on('validation.progress', (event) => {
      const stored = ids.filter((id) => core!.keys.get(id).state === 'invalid').length
      seen.push({ counted: event.invalid, stored })
    })
    core.validation.start('all')
    await core.validation.whenIdle()

    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen.some(({ counted }) => counted > 0 && counted < dead.length)).toBe(true)
    for (const { counted, stored } of seen) expect(stored).toBe(counted)
    expect(seen.at(-1)).toEqual({ counted: dead.length, stored: dead.length })
  })

  it('a store that fails while answers are applied ends the run, not the process', async () => {
    mock = await startMockUpstream()
    core = openValidationCore(mock.url)
    const [dead] = await addKeys(core, ['dead'])
    mock.script(mockKey('dead'), 'unauthorized')
    const progress = recordProgress(core)
    const broken = vi.spyOn(core.keyStates, 'transition').mockImplementation(() => {
      throw new Error('disk I/O error')
    })
    core.validation.start('all')
    await core.validation.whenIdle()
    expect(broken).toHaveBeenCalled()
    expect(progress.at(-1)).toMatchObject({ finished: true, done: 1, invalid: 1 })
    expect(core.keys.get(dead!).state).toBe('active')

    broken.mockRestore()
    core.validation.start('all')
    await core.validation.whenIdle()
    expect(core.keys.get(dead!).state).toBe('invalid')
  })

  it("sends each check to its provider's base URL as it is now, edits included", async () => {
    mock = await startMockUpstream()
    const moved = await startMockUpstream()
    try {
      core = openValidationCore(mock.url)
      const ids = await addKeys(core, names(3))
      core.validation.start('all')
      await core.validation.whenIdle()
      expect([mock.count(), moved.count()]).toEqual([3, 0])

      core.providers.update({ id: 1, baseUrl: moved.url })
      core.validation.start(ids.slice(0, 2))
      await core.validation.whenIdle()
      expect([mock.count(), moved.count()]).toEqual([3, 2])

      const other = core.providers.create({ name: 'Other', baseUrl: mock.url, enabled: true })
      const [elsewhere] = await addKeys(core, ['elsewhere'], other.id)
      core.validation.start([elsewhere!, ids[2]!])
      await core.validation.whenIdle()
      expect([mock.count(), moved.count()]).toEqual([4, 3])
    } finally {
      await moved.close()
    }
  })

  it('cancels: checks in flight are dropped, queued keys never go out', async () => {
    mock = await startMockUpstream({ latencyMs: 80 })
    core = openValidationCore(mock.url, { settings: { validation: { concurrency: 2 } } })
    const ids = await addKeys(core, names(40))
    for (const name of names(40)) mock.script(mockKey(name), 'unauthorized')
    const progress = recordProgress(core)
    const { runId } = core.validation.start('all')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(core.validation.cancel('not-this-run')).toEqual({ cancelled: false, runId })
    expect(core.validation.cancel(runId)).toEqual({ cancelled: true, runId })
    await core.validation.whenIdle()
    const sent = mock.count()
    await new Promise((resolve) => setTimeout(resolve, 150))

    expect(mock.count()).toBe(sent)
    expect(sent).toBeLessThan(12)
    const last = progress.at(-1)!
    expect(last).toMatchObject({ runId, finished: true, cancelled: true })
    expect(last.done).toBeLessThan(40)
    const invalid = ids.filter((id) => core!.keys.get(id).state === 'invalid')
    expect(invalid).toHaveLength(last.invalid)
    expect(core.validation.cancel()).toEqual({ cancelled: false, runId: null })
  })

  it('runs one at a time: a request during a run joins it, without checking a key twice', async () => {
    mock = await startMockUpstream({ latencyMs: 40 })
    core = openValidationCore(mock.url, { settings: { validation: { concurrency: 2 } } })
    const ids = await addKeys(core, names(6))
    const first = core.validation.start(ids.slice(0, 4))
    const second = core.validation.start(ids.slice(2))
    expect(second).toEqual({ runId: first.runId, total: 6, joined: true })
    await core.validation.whenIdle()
    expect(mock.count()).toBe(6)
    const third = core.validation.start(ids.slice(0, 1))
    expect(third.runId).not.toBe(first.runId)
    expect(third.joined).toBe(false)
    await core.validation.whenIdle()
  })

  it('validates added keys in the background when validation.onAdd is on', async () => {
    mock = await startMockUpstream({ latencyMs: 50 })
    core = openValidationCore(mock.url, { settings: { validation: { onAdd: true } } })
    mock.script(mockKey('bad'), 'unauthorized')
    const answer = await core.router.call(
      'keys.bulkAdd',
      { keys: [mockKey('good'), mockKey('bad')].join('\n') },
      { transport: 'internal' },
    )
    expect(answer).toEqual({ ok: true, data: { added: 2, duplicates: 0, malformed: 0 } })
    // The answer did not wait for the upstream.
    expect(mock.count()).toBe(0)
    expect(core.validation.status()).toBeNull()
    await new Promise((resolve) => setImmediate(resolve))
    expect(core.validation.status()).toMatchObject({ total: 2, finished: false })
    await core.validation.whenIdle()
    const states = core.keys.list({ page: 1, pageSize: 10, sort: 'label', order: 'asc' }).items
    expect(states.map((key) => key.state).sort()).toEqual(['active', 'invalid'])
    expect(states.find((key) => key.state === 'active')!.models).not.toBeNull()

    core.settings.update({ validation: { onAdd: false } })
    await core.keys.import({ format: 'txt', content: mockKey('later') })
    await new Promise((resolve) => setImmediate(resolve))
    expect(core.validation.status()).toMatchObject({ total: 2, finished: true })
  })

  it('a scheduled re-check restores a key that recovered', async () => {
    mock = await startMockUpstream()
    core = openValidationCore(mock.url, { settings: { validation: { onAdd: true } } })
    mock.script(mockKey('flaky'), ['unauthorized'])
    const [id, healthy] = await addKeys(core, ['flaky', 'healthy'])
    await new Promise((resolve) => setImmediate(resolve))
    await core.validation.whenIdle()
    expect(core.keys.get(id!).state).toBe('invalid')

    const timer = manualTimer()
    const scheduler = new ValidationScheduler(
      core.validation,
      core.settings,
      core.events,
      silentLogger,
      timer,
    )
    scheduler.start()
    expect(timer.pending()).toEqual([])
    core.settings.update({ validation: { scheduleMinutes: 15 } })
    expect(timer.pending()).toEqual([15 * 60_000])
    const before = mock.count()
    timer.fire()
    await core.validation.whenIdle()
    expect(core.keys.get(id!)).toMatchObject({
      state: 'active',
      stateReason: 'validation succeeded',
    })
    // Only the dead key was re-checked; the healthy one was left alone.
    expect(mock.count() - before).toBe(1)
    expect(mock.countFor(mockKey('healthy'))).toBe(1)
    expect(core.keys.get(healthy!).state).toBe('active')
    expect(timer.pending()).toEqual([15 * 60_000])

    // Nothing dead: the tick starts no run and says nothing.
    const progress = recordProgress(core)
    timer.fire()
    expect(progress).toEqual([])
    scheduler.stop()
    expect(timer.pending()).toEqual([])
  })

  it('the core arms its own schedule from the settings and stops it at close', async () => {
    mock = await startMockUpstream()
    core = openValidationCore(mock.url)
    expect(core.validationScheduler.armed).toBe(false)
    core.settings.update({ validation: { scheduleMinutes: 60 } })
    expect(core.validationScheduler.armed).toBe(true)
    await core.close(0)
    expect(core.validationScheduler.armed).toBe(false)
    expect(() => core!.validation.start('all')).toThrow(/shutting down/)
  })

  it('closing the core cancels a run and waits for its workers', async () => {
    mock = await startMockUpstream()
    core = openValidationCore(mock.url)
    await addKeys(core, names(10))
    for (const name of names(10)) mock.script(mockKey(name), 'hang')
    const progress = recordProgress(core)
    core.validation.start('all')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(mock.openRequests()).toBe(8)
    await core.close(0)
    expect(progress.at(-1)).toMatchObject({ finished: true, cancelled: true, done: 0 })
    await mock.waitForIdle(1_000)
  })
})

/** A TimerApi that fires only when told to. */
function manualTimer(): TimerApi & { fire(): void; pending(): number[] } {
  const timers = new Map<number, { callback: () => void; ms: number }>()
  let next = 0
  return {
    setTimeout(callback, ms) {
      timers.set(++next, { callback, ms })
      return next
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    fire() {
      const due = [...timers.entries()]
      timers.clear()
      for (const [, timer] of due) timer.callback()
    },
    pending() {
      return [...timers.values()].map((timer) => timer.ms)
    },
  }
}

describe('validation runs: after a cancel', () => {
  it('a request right after a cancel starts a new run instead of joining the dying one', async () => {
    mock = await startMockUpstream({ latencyMs: 60 })
    core = openValidationCore(mock.url, { settings: { validation: { concurrency: 2 } } })
    const ids = await addKeys(core, names(6))
    const first = core.validation.start('all')
    await new Promise((resolve) => setTimeout(resolve, 20))
    core.validation.cancel()
    const second = core.validation.start(ids.slice(0, 2))
    expect(second).toMatchObject({ total: 2, joined: false })
    expect(second.runId).not.toBe(first.runId)
    await core.validation.whenIdle()
    expect(core.validation.status()).toMatchObject({
      runId: second.runId,
      done: 2,
      finished: true,
      cancelled: false,
    })
  })
})
