import { errors } from 'undici'
import { describe, expect, it } from 'vitest'
import { Cancellation, type Abortable } from '../../../../src/core/proxy/cancellation'

function target(): Abortable & { reasons: Error[] } {
  const reasons: Error[] = []
  return { reasons, abort: (reason) => reasons.push(reason) }
}

describe('Cancellation', () => {
  it('aborts the watched attempt once, with the reason given', () => {
    const cancellation = new Cancellation()
    const attempt = target()
    cancellation.watch(attempt)
    expect(cancellation.aborted).toBe(false)
    expect(cancellation.reason).toBeNull()
    const reason = new Error('client left')
    cancellation.abort(reason)
    cancellation.abort(new Error('later'))
    expect(cancellation.aborted).toBe(true)
    expect(cancellation.reason).toBe(reason)
    expect(attempt.reasons).toEqual([reason])
  })

  it('gives undici’s RequestAbortedError when no reason is given', () => {
    const cancellation = new Cancellation()
    cancellation.abort()
    expect(cancellation.reason).toBeInstanceOf(errors.RequestAbortedError)
  })

  it('leaves a released attempt alone, and only the last watched one is told', () => {
    const cancellation = new Cancellation()
    const first = target()
    const second = target()
    cancellation.watch(first)
    cancellation.watch(second)
    cancellation.release(first)
    cancellation.abort()
    expect(first.reasons).toHaveLength(0)
    expect(second.reasons).toHaveLength(1)
  })

  it('does not tell an attempt that finished before the abort', () => {
    const cancellation = new Cancellation()
    const finished = target()
    cancellation.watch(finished)
    cancellation.release(finished)
    cancellation.abort()
    expect(finished.reasons).toHaveLength(0)
  })
})
