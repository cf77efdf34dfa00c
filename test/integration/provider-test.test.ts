import { afterEach, describe, expect, it } from 'vitest'
import { startProxyHarness, upstreamKeys, type ProxyHarness } from './proxy-harness'

let harness: ProxyHarness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

describe('providers.test', () => {
  it('lists models with an active key of the provider, changing no key state', async () => {
    harness = await startProxyHarness()
    const [bad, good] = upstreamKeys(2, 'prov')
    const [badId, goodId] = await harness.addKeys([bad!, good!])
    harness.mock.script(bad!, 'unauthorized')
    await harness.api('PUT', `/api/keys/${badId}/status`, { status: 'disabled' })

    const answer = await harness.api('POST', `/api/providers/${harness.providerId}/test`)
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ reachable: true, ok: true, status: 200, keyId: goodId })
    expect((answer.body as { models: number }).models).toBeGreaterThan(0)
    expect(harness.keyState(goodId!)).toBe('active')
    expect(harness.mock.countFor(good!)).toBe(1)
  })

  it('tells reachable from unreachable when the provider has no key', async () => {
    harness = await startProxyHarness()
    const reachable = await harness.api('POST', `/api/providers/${harness.providerId}/test`)
    // The mock answers any bearer token; a real API would say 401. Either way: reachable.
    expect(reachable.body).toMatchObject({ reachable: true, ok: false, keyId: null })
    expect((reachable.body as { detail: string }).detail).toContain('add a key')

    const closed = await harness.api('POST', '/api/providers', {
      name: 'Nowhere',
      baseUrl: 'http://127.0.0.1:9/v1',
    })
    const id = (closed.body as { id: number }).id
    const unreachable = await harness.api('POST', `/api/providers/${id}/test`)
    expect(unreachable.body).toMatchObject({ reachable: false, ok: false, status: null })
  })
})
