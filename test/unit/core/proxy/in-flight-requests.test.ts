import { describe, expect, it } from 'vitest'
import { Cancellation } from '../../../../src/core/proxy/cancellation'
import { InFlightRequests } from '../../../../src/core/proxy/in-flight-requests'

describe('InFlightRequests', () => {
  it('counts requests from begin to end, once each', () => {
    const inFlight = new InFlightRequests()
    const a = new Cancellation()
    const b = new Cancellation()
    inFlight.begin(a)
    inFlight.begin(b)
    expect(inFlight.size).toBe(2)
    inFlight.end(a)
    inFlight.end(a)
    expect(inFlight.size).toBe(1)
  })

  it('settles when the last request ends, not before', async () => {
    const inFlight = new InFlightRequests()
    const a = new Cancellation()
    const b = new Cancellation()
    inFlight.begin(a)
    inFlight.begin(b)
    let settled = false
    const waiting = inFlight.settled(10_000).then(() => (settled = true))
    inFlight.end(a)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(settled).toBe(false)
    inFlight.end(b)
    await waiting
    expect(settled).toBe(true)
  })

  it('gives up waiting at the timeout and aborts what is left on abortAll', async () => {
    const inFlight = new InFlightRequests()
    const stuck = new Cancellation()
    inFlight.begin(stuck)
    const started = performance.now()
    await inFlight.settled(50)
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    inFlight.abortAll()
    expect(stuck.aborted).toBe(true)
    await inFlight.settled(50)
  })
})
