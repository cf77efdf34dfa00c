import { afterEach, describe, expect, it } from 'vitest'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

let harness: ProxyHarness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const chat = (stream = false) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream })

async function post(
  h: ProxyHarness,
  secret: string,
  body = chat(),
): Promise<{ status: number; json: { error?: { code: string } }; headers: Headers }> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body,
  })
  return {
    status: response.status,
    json: (await response.json()) as { error?: { code: string } },
    headers: response.headers,
  }
}

describe('failover over scripted keys', () => {
  it('serves every request while one healthy key exists, and leaves each key in its SPEC state', async () => {
    harness = await startProxyHarness()
    const secrets = upstreamKeys(5, 'fo')
    const [unauthorized, quota, limited, broken] = secrets as [string, string, string, string]
    const ids = await harness.addKeys(secrets)
    const { mock } = harness
    mock.script(unauthorized, 'unauthorized')
    mock.script(quota, 'quota')
    mock.script(limited, { kind: 'rate-limit', retryAfterSeconds: 120 })
    mock.script(broken, 'server-error')
    const { secret } = await harness.subKey()

    const sequential = []
    for (let i = 0; i < 10; i++) sequential.push(await post(harness, secret))
    const parallel = await Promise.all(Array.from({ length: 40 }, () => post(harness!, secret)))
    for (const answer of [...sequential, ...parallel]) expect(answer.status).toBe(200)

    expect(ids.map((id) => harness!.keyState(id))).toEqual([
      'invalid',
      'exhausted',
      'cooling',
      'active',
      'active',
    ])
    expect(mock.countFor(unauthorized)).toBe(1)
    expect(mock.countFor(quota)).toBe(1)
    expect(mock.countFor(limited)).toBe(1)
    expect(mock.countFor(broken)).toBeGreaterThan(1)
    const cooling = harness.server.core.keys.get(ids[2]!)
    expect(Date.parse(cooling.cooldownUntil!) - Date.now()).toBeGreaterThan(100_000)
    harness.server.core.usage.flush()
    const brokenKey = harness.server.core.keys.get(ids[3]!)
    expect(brokenKey.failures).toBe(mock.countFor(broken))
    expect(harness.server.core.keys.get(ids[4]!).successes).toBe(50)
  })

  it('records one transition when 100 parallel requests see the same 401', async () => {
    harness = await startProxyHarness()
    const [bad, good] = upstreamKeys(2, 'p5') as [string, string]
    const [badId] = await harness.addKeys([bad, good])
    harness.mock.script(bad, 'unauthorized')
    harness.mock.script(good, { kind: 'delay', ms: 20 })
    harness.mock.setDefault({ kind: 'delay', ms: 20 })
    const { secret } = await harness.subKey()
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(harness!, secret)))
    expect(answers.every((answer) => answer.status === 200)).toBe(true)
    expect(harness.mock.countFor(bad)).toBeGreaterThan(1)
    const transitions = harness.server.core.keys.transitions(badId!, 100)
    expect(transitions).toHaveLength(1)
    expect(transitions[0]).toMatchObject({ from: 'active', to: 'invalid', httpStatus: 401 })
  })

  it('retries a 5xx once, never invalidates for it, and answers 502 when both attempts fail', async () => {
    harness = await startProxyHarness()
    const secrets = upstreamKeys(3, '5x')
    const ids = await harness.addKeys(secrets)
    harness.mock.setDefault('server-error')
    const { id, secret } = await harness.subKey({ maxRequests: 10 })
    const answer = await post(harness, secret)
    expect(answer.status).toBe(502)
    expect(answer.json.error?.code).toBe('upstream_unreachable')
    expect(harness.mock.count()).toBe(2)
    expect(ids.map((keyId) => harness!.keyState(keyId))).toEqual(['active', 'active', 'active'])
    const subKey = (await harness.api('GET', '/api/sub-keys')).body as {
      id: number
      remaining: number
    }[]
    expect(subKey.find((item) => item.id === id)?.remaining).toBe(10)
  })

  it('refunds when the upstream cannot be reached on any attempt', async () => {
    harness = await startProxyHarness()
    await harness.addKeys(upstreamKeys(2, 'nx'))
    const unreachable = 'http://127.0.0.1:9/v1'
    await harness.api('PATCH', `/api/providers/${harness.providerId}`, { baseUrl: unreachable })
    const { id, secret } = await harness.subKey({ maxRequests: 3 })
    const answer = await post(harness, secret)
    expect(answer.status).toBe(502)
    expect(answer.json.error?.code).toBe('upstream_unreachable')
    const subKeys = (await harness.api('GET', '/api/sub-keys')).body as {
      id: number
      remaining: number
    }[]
    expect(subKeys.find((item) => item.id === id)?.remaining).toBe(3)
  })

  it('passes client errors through without retrying or blaming the key', async () => {
    harness = await startProxyHarness()
    const secrets = upstreamKeys(2, 'ce')
    const ids = await harness.addKeys(secrets)
    harness.mock.setDefault('bad-request')
    const { secret } = await harness.subKey()
    const answer = await post(harness, secret)
    expect(answer.status).toBe(400)
    expect(answer.json.error?.code).toBe('invalid_value')
    expect(harness.mock.count()).toBe(1)
    harness.server.core.usage.flush()
    for (const id of ids) {
      expect(harness.keyState(id)).toBe('active')
      expect(harness.server.core.keys.get(id).failures).toBe(0)
    }
  })

  it('answers no_available_key with Retry-After when every key is cooling', async () => {
    harness = await startProxyHarness()
    const [only] = upstreamKeys(1, 'cool') as [string]
    await harness.addKeys([only])
    harness.mock.script(only, { kind: 'rate-limit', retryAfterSeconds: 30 })
    const { secret } = await harness.subKey()
    const first = await post(harness, secret)
    expect(first.status).toBe(503)
    expect(first.json.error?.code).toBe('no_available_key')
    const second = await post(harness, secret)
    expect(second.status).toBe(503)
    const retryAfter = Number(second.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(28)
    expect(retryAfter).toBeLessThanOrEqual(30)
    expect(harness.mock.count()).toBe(1)
  })
})
