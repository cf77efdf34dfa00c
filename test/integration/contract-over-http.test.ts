import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultSettings } from '../../src/shared/contract'
import { startTestServer } from '../support/headless'

/** fetch() will not send a forged Host header; a raw request does. */
function statusWithHost(baseUrl: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}${path}`, { headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
    request.end()
  })
}

let server: Awaited<ReturnType<typeof startTestServer>> | undefined

afterEach(async () => {
  await server?.close(1_000)
  server = undefined
})

describe('the contract over HTTP (headless, real listener on port 0)', () => {
  it('serves settings.get and settings.update with the admin token', async () => {
    server = await startTestServer()
    const read = await server.api('GET', '/api/settings')
    expect(read.status).toBe(200)
    expect(read.body).toEqual(defaultSettings)
    expect(read.headers.get('cache-control')).toBe('no-store')

    const patched = await server.api('PATCH', '/api/settings', {
      routing: { strategy: 'least-recently-used' },
    })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ routing: { strategy: 'least-recently-used' } })
    expect((await server.api('GET', '/api/settings')).body).toMatchObject({
      routing: { strategy: 'least-recently-used' },
    })
  })

  it('reports the version, key protection and the proxy address (system.status)', async () => {
    server = await startTestServer()
    const status = await server.api('GET', '/api/system/status')
    expect(status.status).toBe(200)
    expect(status.body).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      keyProtection: { backend: 'key-file', warning: expect.stringContaining('master.key') },
      proxy: { listening: true, baseUrl: `${server.url}/v1` },
    })
  })

  it('ends open event streams at a stop instead of waiting for the deadline', async () => {
    const running = await startTestServer()
    const response = await fetch(`${running.url}/api/events`, {
      headers: { authorization: `Bearer ${running.adminToken.token}` },
    })
    const reader = response.body!.getReader()
    await reader.read()
    const started = performance.now()
    await running.close(10_000)
    expect(performance.now() - started).toBeLessThan(3_000)
    expect((await reader.read()).done).toBe(true)
  })

  it('answers 401 without the token, and never accepts it from the query string', async () => {
    server = await startTestServer()
    const bare = await fetch(`${server.url}/api/settings`)
    expect(bare.status).toBe(401)
    expect(await bare.json()).toMatchObject({ error: { code: 'unauthorized' } })
    const query = await fetch(`${server.url}/api/settings?token=${server.adminToken.token}`)
    expect(query.status).toBe(401)
    const wrong = await server.api('GET', '/api/settings', undefined, {
      authorization: 'Bearer not-the-token',
    })
    expect(wrong.status).toBe(401)
  })

  it('runs the providers CRUD end to end', async () => {
    server = await startTestServer()
    expect((await server.api('GET', '/api/providers')).body).toEqual([
      { id: 1, name: 'OpenAI', baseUrl: process.env.KEYPOOL_DEFAULT_PROVIDER_URL, enabled: true },
    ])
    const created = await server.api('POST', '/api/providers', {
      name: 'Ollama',
      baseUrl: 'http://127.0.0.1:11434/v1/',
    })
    expect(created).toMatchObject({
      status: 200,
      body: { id: 2, name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1', enabled: true },
    })
    const updated = await server.api('PATCH', '/api/providers/2', { enabled: false })
    expect(updated.body).toMatchObject({ id: 2, enabled: false })
    const duplicate = await server.api('POST', '/api/providers', {
      name: 'ollama',
      baseUrl: 'http://x.example/v1',
    })
    expect(duplicate).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } })
    expect((await server.api('DELETE', '/api/providers/2')).body).toEqual({ deleted: 1 })
    expect((await server.api('DELETE', '/api/providers/2')).status).toBe(404)
    expect((await server.api('DELETE', '/api/providers/1')).status).toBe(409)
  })

  it('gives clear errors for bad input and keeps serving', async () => {
    server = await startTestServer()
    const cases = [
      await server.api('POST', '/api/providers', '{not json'),
      await server.api('POST', '/api/providers', [1, 2]),
      await server.api('POST', '/api/providers', { name: 'x', baseUrl: 'ftp://x' }),
      await server.api('PATCH', '/api/providers/abc', { enabled: true }),
      await server.api('PATCH', '/api/settings', { proxy: { port: -1 } }),
    ]
    for (const answer of cases) {
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({ error: { code: 'invalid_input' } })
    }
    const plain = await server.api('POST', '/api/providers', '{}', { 'content-type': 'text/plain' })
    expect(plain.status).toBe(415)
    expect((await server.api('PUT', '/api/settings', {})).status).toBe(405)
    expect((await server.api('GET', '/api/nothing-here')).status).toBe(404)
    expect((await server.api('GET', '/api/settings')).status).toBe(200)
  })

  it('rejects a foreign Host or Origin on every route, with no CORS headers', async () => {
    server = await startTestServer()
    for (const path of ['/api/settings', '/health', '/v1/models', '/', '/token']) {
      expect(await statusWithHost(server.url, path, 'evil.example')).toBe(403)
      expect(await statusWithHost(server.url, path, 'localhost.evil.example')).toBe(403)
    }
    const port = new URL(server.url).port
    expect(await statusWithHost(server.url, '/health', `localhost:${port}`)).toBe(200)
    expect(await statusWithHost(server.url, '/health', `[::1]:${port}`)).toBe(200)
    expect(await statusWithHost(server.url, '/health', `127.0.0.1:1`)).toBe(403)
    const cross = await server.api('GET', '/api/settings', undefined, {
      origin: 'https://evil.example',
    })
    expect(cross.status).toBe(403)
    expect([...cross.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([])
    const sameOrigin = await server.api('GET', '/api/settings', undefined, { origin: server.url })
    expect(sameOrigin.status).toBe(200)
  })

  it('answers /health without auth and sets security headers on admin routes', async () => {
    server = await startTestServer()
    const health = await fetch(`${server.url}/health`)
    expect(await health.json()).toEqual({ status: 'ok' })
    const api = await server.api('GET', '/api/settings')
    expect(api.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(api.headers.get('x-content-type-options')).toBe('nosniff')
    expect(api.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('logs in with the seed POST /token form and throttles repeated failures', async () => {
    server = await startTestServer()
    const form = (password: string) =>
      fetch(`${server!.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password }),
      })
    const ok = await form(server.adminToken.token)
    expect(await ok.json()).toEqual({ access_token: server.adminToken.token, token_type: 'bearer' })
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await form('wrong')).status)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    const blocked = await form(server.adminToken.token)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('pushes contract events over /api/events', async () => {
    server = await startTestServer()
    const controller = new AbortController()
    const response = await fetch(`${server.url}/api/events`, {
      headers: { authorization: `Bearer ${server.adminToken.token}` },
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    await reader.read()
    await server.api('PATCH', '/api/settings', { ui: { theme: 'dark' } })
    let text = ''
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? ''
    expect(text).toContain('event: settings.changed')
    expect(text).toContain('"theme":"dark"')
    controller.abort()
  })
})
