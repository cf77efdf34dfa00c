import { describe, expect, it, vi } from 'vitest'
import { createApiClient, ApiRequestError } from '../../../src/renderer/src/api/api-client'
import { createHttpTransport } from '../../../src/renderer/src/api/http-transport'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

describe('the HTTP transport', () => {
  it('maps operations to their contract method and path with the bearer token', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { id: 3 }))
    const api = createApiClient(createHttpTransport({ token: () => 'tok', fetch }))
    await api.call('providers.update', { id: 3, enabled: false })
    expect(fetch).toHaveBeenCalledWith('/api/providers/3', {
      method: 'PATCH',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    })
    await api.call('settings.get')
    expect(fetch).toHaveBeenLastCalledWith('/api/settings', {
      method: 'GET',
      headers: { authorization: 'Bearer tok' },
    })
  })

  it('turns error answers into ApiRequestError with the stable code', async () => {
    const fetch = vi.fn(async () =>
      jsonResponse(401, { error: { code: 'unauthorized', message: 'no' } }),
    )
    const api = createApiClient(createHttpTransport({ token: () => undefined, fetch }))
    const failure = api.call('settings.get')
    await expect(failure).rejects.toBeInstanceOf(ApiRequestError)
    await expect(failure).rejects.toMatchObject({ error: { code: 'unauthorized' } })
  })

  it('reports an unreachable server as unavailable', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('fetch failed')
    })
    const api = createApiClient(createHttpTransport({ token: () => undefined, fetch }))
    await expect(api.call('settings.get')).rejects.toMatchObject({
      error: { code: 'unavailable' },
    })
  })
})
