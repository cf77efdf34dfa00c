import { afterEach, describe, expect, it } from 'vitest'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

/**
 * SECURITY P8 keeps the upstream dispatcher bounded; `proxy.maxUpstreamConnections` is that
 * bound, per provider. Requests past it wait for a free connection (none is refused), and a
 * changed setting applies to the requests that start after it.
 */
let harness: ProxyHarness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const LATENCY_MS = 150

async function burst(h: ProxyHarness, secret: string, count: number) {
  let peak = 0
  const sampler = setInterval(() => (peak = Math.max(peak, h.mock.openRequests())), 5)
  try {
    const answers = await Promise.all(
      Array.from({ length: count }, () =>
        fetch(`${h.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        }).then(async (response) => {
          await response.arrayBuffer()
          return response.status
        }),
      ),
    )
    return { statuses: answers, peak }
  } finally {
    clearInterval(sampler)
  }
}

describe('connections per provider (proxy.maxUpstreamConnections)', () => {
  it('runs at most the cap upstream at once, queues the rest, and follows a change', async () => {
    harness = await startProxyHarness({
      settings: { proxy: { maxUpstreamConnections: 2 } },
      mock: { latencyMs: LATENCY_MS },
    })
    await harness.addKeys(upstreamKeys(3, 'conn'))
    const { secret } = await harness.subKey()

    const capped = await burst(harness, secret, 6)
    expect(capped.statuses).toEqual(Array(6).fill(200))
    expect(capped.peak).toBe(2)

    const patched = await harness.api('PATCH', '/api/settings', {
      proxy: { maxUpstreamConnections: 6 },
    })
    expect(patched.status).toBe(200)
    const raised = await burst(harness, secret, 6)
    expect(raised.statuses).toEqual(Array(6).fill(200))
    expect(raised.peak).toBe(6)
  })
})
