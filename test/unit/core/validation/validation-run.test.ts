import { describe, expect, it } from 'vitest'
import { ValidationRun, type KeyCheck } from '../../../../src/core/validation/validation-run'
import type { ValidationResult } from '../../../../src/core/validation/validation-tally'

/** Checks that finish only when the test says so, to observe the pool between steps. */
function controlledChecks() {
  const waiting = new Map<number, (result: ValidationResult) => void>()
  const started: number[] = []
  const check: KeyCheck = (id, signal) =>
    new Promise((resolve, reject) => {
      started.push(id)
      waiting.set(id, resolve)
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
    })
  const finish = (id: number, result: ValidationResult = 'active'): Promise<void> => {
    waiting.get(id)?.(result)
    waiting.delete(id)
    return new Promise((resolve) => setImmediate(resolve))
  }
  return { check, started, finish, inFlight: () => waiting.size }
}

function newRun(check: KeyCheck, concurrency = 2) {
  const ended: ValidationRun[] = []
  let progressed = 0
  const run = new ValidationRun('run-1', {
    check,
    concurrency: () => concurrency,
    progressed: () => progressed++,
    ended: (r) => ended.push(r),
  })
  return { run, ended, progressed: () => progressed }
}

describe('ValidationRun', () => {
  it('keeps at most `concurrency` checks in flight and drains the queue in order', async () => {
    const checks = controlledChecks()
    const { run, ended, progressed } = newRun(checks.check, 2)
    expect(run.add([1, 2, 3, 4, 5])).toBe(5)
    expect(checks.started).toEqual([1, 2])
    await checks.finish(1)
    expect(checks.started).toEqual([1, 2, 3])
    expect(checks.inFlight()).toBe(2)
    await checks.finish(2, 'invalid')
    await checks.finish(3, 'unknown')
    await checks.finish(4)
    expect(ended).toEqual([])
    await checks.finish(5, 'cooling')
    await run.settled
    expect(ended).toEqual([run])
    expect(progressed()).toBe(5)
    expect(run.tally.snapshot()).toEqual({
      runId: 'run-1',
      total: 5,
      done: 5,
      active: 2,
      invalid: 1,
      exhausted: 0,
      cooling: 1,
      unknown: 1,
      finished: true,
      cancelled: false,
    })
  })

  it('takes more keys while running, skipping ids already in the run', async () => {
    const checks = controlledChecks()
    const { run } = newRun(checks.check, 3)
    run.add([1])
    expect(run.add([1, 2, 2, 3])).toBe(2)
    expect(run.tally.total).toBe(3)
    expect(checks.started).toEqual([1, 2, 3])
    for (const id of [1, 2, 3]) await checks.finish(id)
    await run.settled
    expect(run.finished).toBe(true)
    expect(run.add([4])).toBe(0)
  })

  it('cancel aborts the checks in flight, drops queued keys and ends once', async () => {
    const checks = controlledChecks()
    const { run, ended } = newRun(checks.check, 2)
    run.add([1, 2, 3, 4])
    await checks.finish(1)
    expect(run.cancel()).toBe(true)
    expect(run.cancel()).toBe(false)
    await run.settled
    expect(ended).toHaveLength(1)
    expect(checks.started).toEqual([1, 2, 3])
    expect(run.tally.snapshot()).toMatchObject({
      done: 1,
      total: 4,
      finished: true,
      cancelled: true,
    })
  })

  it('ends at once when given nothing, and counts a check that throws as unknown', async () => {
    const empty = newRun(controlledChecks().check)
    empty.run.add([])
    expect(empty.ended).toEqual([empty.run])

    const { run } = newRun(() => Promise.reject(new Error('bug')))
    run.add([1, 2])
    await run.settled
    expect(run.tally.snapshot()).toMatchObject({ done: 2, unknown: 2 })
  })
})

describe('ValidationRun: a changed concurrency setting', () => {
  it('applies to the rest of the run, up and down', async () => {
    const checks = controlledChecks()
    let limit = 1
    const run = new ValidationRun('run-2', {
      check: checks.check,
      concurrency: () => limit,
      progressed: () => {},
      ended: () => {},
    })
    run.add([1, 2, 3, 4, 5, 6])
    expect(checks.inFlight()).toBe(1)
    limit = 3
    await checks.finish(1)
    expect(checks.inFlight()).toBe(3)
    limit = 1
    await checks.finish(2)
    await checks.finish(3)
    expect(checks.inFlight()).toBe(1)
    for (const id of [4, 5, 6]) await checks.finish(id)
    await run.settled
    expect(run.tally.snapshot()).toMatchObject({ done: 6, finished: true })
  })
})
