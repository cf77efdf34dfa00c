import { afterEach, describe, expect, it } from 'vitest'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

let harness: ProxyHarness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const chatBody = (stream: boolean) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream })

function request(h: ProxyHarness, secret: string, stream = false, signal?: AbortSignal) {
  return fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: chatBody(stream),
    signal,
  })
}

async function remaining(h: ProxyHarness, id: number): Promise<number | null> {
  const list = (await h.api('GET', '/api/sub-keys')).body as { id: number; remaining: number }[]
  return list.find((item) => item.id === id)?.remaining ?? null
}

async function until(check: () => boolean, timeoutMs = 1_000): Promise<number> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return Date.now() - started
}

describe('sub-key quota (D4)', () => {
  it('forwards exactly 50 of 200 concurrent requests against 50 remaining', async () => {
    harness = await startProxyHarness()
    await harness.addKeys(upstreamKeys(4, 'q'))
    harness.mock.setDefault({ kind: 'delay', ms: 5 })
    const { id, secret } = await harness.subKey({ maxRequests: 50 })
    const answers = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const response = await request(harness!, secret)
        const body = (await response.json()) as { error?: { code: string } }
        return { status: response.status, code: body.error?.code }
      }),
    )
    expect(harness.mock.count()).toBe(50)
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(50)
    const refused = answers.filter((answer) => answer.status !== 200)
    expect(refused).toHaveLength(150)
    expect(new Set(refused.map((answer) => answer.code))).toEqual(new Set(['sub_key_exhausted']))
    expect(await remaining(harness, id)).toBe(0)
  })

  it('counts a stream the client dropped before [DONE], and closes the upstream within 1 s (P3)', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1, 'drop') as [string]
    await harness.addKeys([key])
    harness.mock.script(key, { kind: 'stall-mid-stream', afterChunks: 3 })
    const { id, secret } = await harness.subKey({ maxRequests: 5 })
    const controller = new AbortController()
    const response = await request(harness, secret, true, controller.signal)
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(first.done).toBe(false)
    expect(harness.mock.openRequests()).toBe(1)
    controller.abort()
    const took = await until(() => harness!.mock.openRequests() === 0)
    expect(took).toBeLessThan(1_000)
    expect(await remaining(harness, id)).toBe(4)
  })

  it('aborts the upstream while waiting for headers, and refunds (P3)', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1, 'hang') as [string]
    await harness.addKeys([key])
    harness.mock.script(key, 'hang')
    const { id, secret } = await harness.subKey({ maxRequests: 5 })
    const controller = new AbortController()
    const pending = request(harness, secret, false, controller.signal).catch(() => 'aborted')
    await until(() => harness!.mock.openRequests() === 1)
    controller.abort()
    expect(await pending).toBe('aborted')
    const took = await until(() => harness!.mock.openRequests() === 0)
    expect(took).toBeLessThan(1_000)
    await until(() => harness!.server.core.proxy.inFlight.size === 0)
    expect(await remaining(harness, id)).toBe(5)
  })

  it('never retries after the first byte: a reset mid-stream ends the stream (P4)', async () => {
    harness = await startProxyHarness()
    const keys = upstreamKeys(2, 'reset')
    await harness.addKeys(keys)
    harness.mock.setDefault({ kind: 'reset-mid-stream', afterChunks: 2 })
    const { id, secret } = await harness.subKey({ maxRequests: 5 })
    const response = await request(harness, secret, true)
    expect(response.status).toBe(200)
    const text = await response.text().catch(() => 'truncated')
    if (text !== 'truncated') {
      expect(text).toContain('data: {"error":')
      expect(text).not.toContain('[DONE]')
    }
    expect(harness.mock.count()).toBe(1)
    expect(await remaining(harness, id)).toBe(4)
  })

  it('enforces the token budget and the RPM limit at admission', async () => {
    harness = await startProxyHarness()
    await harness.addKeys(upstreamKeys(1, 'budget'))
    const budget = await harness.subKey({ tokenBudget: 10 })
    expect((await request(harness, budget.secret)).status).toBe(200)
    const spent = await request(harness, budget.secret)
    expect(spent.status).toBe(429)
    expect(((await spent.json()) as { error: { code: string } }).error.code).toBe(
      'token_budget_exhausted',
    )

    const limited = await harness.subKey({ rpm: 2 })
    for (let i = 0; i < 2; i++) expect((await request(harness, limited.secret)).status).toBe(200)
    const third = await request(harness, limited.secret)
    expect(third.status).toBe(429)
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(harness.mock.count()).toBe(3)
  })

  it('answers upstream_timeout when no header arrives before the deadline', async () => {
    harness = await startProxyHarness({
      settings: { proxy: { firstByteTimeoutMs: 1_000, connectTimeoutMs: 100 } },
    })
    const [key] = upstreamKeys(1, 'slow') as [string]
    await harness.addKeys([key])
    harness.mock.script(key, 'hang')
    const { id, secret } = await harness.subKey({ maxRequests: 2 })
    const started = Date.now()
    const response = await request(harness, secret)
    expect(response.status).toBe(504)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'upstream_timeout',
    )
    expect(Date.now() - started).toBeLessThan(3_000)
    await harness.mock.waitForIdle(1_000)
    expect(await remaining(harness, id)).toBe(2)
  })
})
