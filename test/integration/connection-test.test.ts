import { afterEach, describe, expect, it } from 'vitest'
import { startProxyHarness, upstreamKeys, type ProxyHarness } from './proxy-harness'

let harness: ProxyHarness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

interface Steps {
  steps: { step: string; ok: boolean; status: number | null; detail: string }[]
}

describe('subKeys.testConnection', () => {
  it('runs models, a chat and a streamed chat through the proxy with the sub-key', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1, 'conn')
    await harness.addKeys([key!])
    const { id, secret } = await harness.subKey({ maxRequests: 10 })

    const answer = await harness.api('POST', '/api/sub-keys/test-connection', { secret })
    expect(answer.status).toBe(200)
    const { steps } = answer.body as Steps
    expect(steps.map((s) => [s.step, s.ok, s.status])).toEqual([
      ['models', true, 200],
      ['chat', true, 200],
      ['stream', true, 200],
    ])
    expect(steps[0]!.detail).toContain('testing with gpt-4o-mini')
    expect(steps[2]!.detail).toMatch(/chunks, then \[DONE\]/)
    expect(harness.mock.countFor(key!)).toBe(3)
    // The test is real traffic: it used the sub-key's requests.
    expect(harness.server.core.subKeys.get(id).remaining).toBe(7)
    expect(JSON.stringify(answer.body)).not.toContain(secret)
  })

  it('reports a refused sub-key as a failed first step, without going upstream', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1, 'conn')
    await harness.addKeys([key!])
    const answer = await harness.api('POST', '/api/sub-keys/test-connection', {
      secret: 'sk-kp-not-a-real-sub-key-0000',
    })
    const { steps } = answer.body as Steps
    expect(steps).toHaveLength(1)
    expect(steps[0]).toMatchObject({ step: 'models', ok: false, status: 401 })
    expect(steps[0]!.detail).toContain('invalid_sub_key')
    expect(harness.mock.countFor(key!)).toBe(0)
  })
})
