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

  it('ends requests in any order, each once, and aborts every one left', () => {
    const inFlight = new InFlightRequests()
    const all = Array.from({ length: 6 }, () => new Cancellation())
    for (const cancellation of all) inFlight.begin(cancellation)
    inFlight.begin(all[0]!)
    expect(inFlight.size).toBe(6)
    inFlight.end(all[1]!)
    inFlight.end(all[5]!)
    inFlight.end(all[1]!)
    expect(inFlight.size).toBe(4)
    // An abort that ends its request at once, as a request cut while waiting does.
    for (const cancellation of all) {
      cancellation.watch({ abort: () => inFlight.end(cancellation) })
    }
    inFlight.abortAll()
    expect(all.map((c) => c.aborted)).toEqual([true, false, true, true, true, false])
    expect(inFlight.size).toBe(0)
    inFlight.begin(all[1]!)
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
