import { afterEach, describe, expect, it } from 'vitest'
import { startProxyHarness, upstreamKeys, type ProxyHarness } from './proxy-harness'

let harness: ProxyHarness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const chat = (baseURL: string, secret: string) =>
  fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })

describe('a rate-limited key over loopback', () => {
  it('cools down for Retry-After, then comes back into rotation by itself', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1, 'cool')
    const [id] = await harness.addKeys([key!])
    harness.mock.script(key!, [{ kind: 'rate-limit', retryAfterSeconds: 1 }])
    const { secret } = await harness.subKey()

    const limited = await chat(harness.baseURL, secret)
    expect(limited.status).toBe(503)
    expect(await limited.json()).toMatchObject({ error: { code: 'no_available_key' } })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(harness.keyState(id!)).toBe('cooling')

    await new Promise((resolve) => setTimeout(resolve, 1_200))
    const recovered = await chat(harness.baseURL, secret)
    expect(recovered.status).toBe(200)
    expect(harness.keyState(id!)).toBe('active')
    expect(harness.mock.countFor(key!)).toBe(2)

    const history = await harness.api('GET', `/api/keys/${id}/transitions`)
    const moves = (history.body as { from: string; to: string }[]).map((t) => `${t.from}→${t.to}`)
    expect(moves).toEqual(expect.arrayContaining(['active→cooling', 'cooling→active']))
  })
})
