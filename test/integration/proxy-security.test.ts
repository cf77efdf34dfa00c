import { afterEach, describe, expect, it } from 'vitest'
import type { Logger } from '../../src/core/logger'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'
import { rawRequest, rawSocket } from './proxy-raw-http'

let harness: ProxyHarness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra })

async function ready(options: Parameters<typeof startProxyHarness>[0] = {}) {
  harness = await startProxyHarness(options)
  const [upstream] = upstreamKeys(1, 'sec') as [string]
  await harness.addKeys([upstream])
  const { secret } = await harness.subKey()
  return { h: harness, upstream, secret }
}

describe('header hygiene (P1)', () => {
  it('never forwards client credentials, cookies, Expect or hop-by-hop headers', async () => {
    const { h, upstream, secret } = await ready()
    const answer = await rawRequest(h.url, {
      path: '/v1/chat/completions',
      headers: {
        authorization: `Bearer ${secret}`,
        'x-api-key': secret,
        'api-key': secret,
        cookie: 'session=abc',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'secret-ish',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        te: 'trailers',
        'x-keep-me': 'yes',
        'content-type': 'application/json',
      },
      body: chat(),
    })
    expect(answer.status).toBe(200)
    const seen = h.mock.requests.at(-1)!.headers
    expect(seen['authorization']).toBe(`Bearer ${upstream}`)
    for (const name of [
      'x-api-key',
      'api-key',
      'cookie',
      'x-drop-me',
      'keep-alive',
      'proxy-authorization',
      'te',
      'expect',
    ]) {
      expect(seen[name], name).toBeUndefined()
    }
    expect(seen['x-keep-me']).toBe('yes')
    expect(seen['accept-encoding']).toBe('identity')
    expect(JSON.stringify(seen)).not.toContain(secret)
    expect(answer.headers['set-cookie']).toBeUndefined()
    expect(answer.headers['x-request-id']).toMatch(/^req_mock/)
  })

  it('accepts Expect: 100-continue with a 2 MB body', async () => {
    const { h, secret } = await ready()
    const body = chat({ messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] })
    const answer = await rawRequest(h.url, {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body,
      expectContinue: true,
    })
    expect(answer.status).toBe(200)
    expect(h.mock.requests.at(-1)!.bodyBytes).toBe(Buffer.byteLength(body))
    expect(h.mock.requests.at(-1)!.headers['expect']).toBeUndefined()
  })
})

describe('limits (P2)', () => {
  it('answers 413 for an oversized body, declared or chunked, before any upstream call', async () => {
    const { h, secret } = await ready({ settings: { proxy: { maxJsonBodyBytes: 16 * 1024 } } })
    const big = chat({ messages: [{ role: 'user', content: 'y'.repeat(20 * 1024) }] })
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }
    const declared = await rawRequest(h.url, { path: '/v1/chat/completions', headers, body: big })
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.body.toString()).error.code).toBe('request_too_large')
    const chunked = await rawRequest(h.url, {
      path: '/v1/chat/completions',
      headers: { ...headers, 'transfer-encoding': 'chunked' },
      body: big,
    })
    expect(chunked.status).toBe(413)
    expect(h.mock.count()).toBe(0)
  })

  it('answers 503 past the concurrency cap', async () => {
    const { h, upstream, secret } = await ready({
      settings: { proxy: { maxConcurrentRequests: 2 } },
    })
    h.mock.script(upstream, 'hang')
    const controller = new AbortController()
    const send = () =>
      fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: chat(),
        signal: controller.signal,
      })
    const hanging = [send().catch(() => null), send().catch(() => null)]
    while (h.mock.openRequests() < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    const third = await send()
    expect(third.status).toBe(503)
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
      'too_many_requests',
    )
    controller.abort()
    await Promise.all(hanging)
    await h.mock.waitForIdle(1_000)
  })
})

describe('local-server safety on /v1 (L2, L3)', () => {
  it('refuses a foreign Host and a foreign Origin without CORS headers', async () => {
    const { h, secret } = await ready()
    const auth = { authorization: `Bearer ${secret}` }
    const host = await rawRequest(h.url, {
      method: 'GET',
      path: '/v1/models',
      headers: { ...auth, host: 'evil.example' },
    })
    expect(host.status).toBe(403)
    const origin = await rawRequest(h.url, {
      method: 'GET',
      path: '/v1/models',
      headers: { ...auth, origin: 'https://evil.example' },
    })
    expect(origin.status).toBe(403)
    expect(
      Object.keys(origin.headers).filter((name) => name.startsWith('access-control-')),
    ).toEqual([])
    expect(h.mock.count()).toBe(0)
  })
})

describe('malformed input (I2)', () => {
  it('answers each with an OpenAI-shaped 4xx, sends nothing upstream, and keeps serving', async () => {
    const { h, secret } = await ready()
    const auth = { authorization: `Bearer ${secret}` }
    const json = { ...auth, 'content-type': 'application/json' }
    const cases = [
      { headers: json, body: '{"model":', status: 400, code: 'invalid_request' },
      { headers: json, body: '{"messages":[]}', status: 400, code: 'invalid_request' },
      { headers: json, body: '[1,2]', status: 400, code: 'invalid_request' },
      { headers: { ...auth, 'content-type': 'text/plain' }, body: chat(), status: 415 },
      {
        path: '/v1/audio/transcriptions',
        headers: { ...auth, 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--xy',
        status: 400,
        code: 'invalid_request',
      },
      {
        path: '/v1/audio/transcriptions',
        headers: { ...auth, 'content-type': 'multipart/form-data' },
        body: 'nothing',
        status: 400,
        code: 'invalid_request',
      },
      {
        headers: { 'content-type': 'application/json' },
        body: chat(),
        status: 401,
        code: 'invalid_sub_key',
      },
      { headers: { ...json, authorization: 'Bearer sk-kp-unknown' }, body: chat(), status: 401 },
    ]
    for (const item of cases) {
      const answer = await rawRequest(h.url, {
        path: item.path ?? '/v1/chat/completions',
        headers: item.headers,
        body: item.body,
      })
      expect(answer.status, item.body).toBe(item.status)
      const error = JSON.parse(answer.body.toString()) as {
        error: { message: string; type: string; code: string }
      }
      expect(error.error.type).toBeTypeOf('string')
      expect(error.error.message).toBeTypeOf('string')
      if (item.code) expect(error.error.code).toBe(item.code)
    }
    const smuggled = await rawSocket(
      h.url,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${secret}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    )
    expect(smuggled).toMatch(/^HTTP\/1\.1 400/)
    expect(smuggled).not.toContain('HTTP/1.1 200')
    const huge = await rawSocket(
      h.url,
      `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'z'.repeat(64 * 1024)}\r\n\r\n`,
    )
    expect(huge).toMatch(/^HTTP\/1\.1 431/)
    expect(h.mock.count()).toBe(0)
    const health = await fetch(`${h.url}/health`)
    expect(health.status).toBe(200)
  })
})

describe('secrets stay secret (S3)', () => {
  it('never shows the canary upstream key or sub-key in answers or logs', async () => {
    const lines: string[] = []
    const capture =
      (level: string) =>
      (message: string, fields?: Record<string, unknown>): void => {
        lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`)
      }
    const logger: Logger = {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    }
    harness = await startProxyHarness({ logger })
    const h = harness
    const canaries = upstreamKeys(4, 'CANARYUPSTREAM')
    await h.addKeys(canaries)
    const [first, second, third] = canaries as [string, string, string, string]
    h.mock.script(first, 'unauthorized')
    h.mock.script(second, ['quota'])
    h.mock.script(third, ['server-error'])
    const { secret } = await h.subKey({ name: 'canary' })
    const outputs: string[] = []
    const send = async (body: string, signal?: AbortSignal) => {
      const response = await fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body,
        signal,
      })
      outputs.push(JSON.stringify([...response.headers]), await response.text())
    }
    for (let i = 0; i < 4; i++) await send(chat())
    await send(chat({ stream: true }))
    h.mock.setDefault('hang')
    const controller = new AbortController()
    const aborted = send(chat(), controller.signal).catch(() => undefined)
    while (h.mock.openRequests() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    await aborted
    await h.mock.waitForIdle(1_000)
    h.mock.setDefault('server-error')
    await send(chat())
    h.mock.setDefault({ kind: 'rate-limit', retryAfterSeconds: 5 })
    await send(chat())
    await send(chat())
    h.server.core.usage.flush()
    const listed = await h.api('GET', '/api/keys/paginated?page_size=50')
    const subKeys = await h.api('GET', '/api/sub-keys')
    outputs.push(JSON.stringify(listed.body), JSON.stringify(subKeys.body))
    const everything = [...outputs, ...lines].join('\n')
    expect(lines.length).toBeGreaterThan(0)
    for (const canary of [...canaries, secret]) expect(everything).not.toContain(canary)
    expect(everything).not.toContain('CANARYUPSTREAM')
  })
})

describe('SSE bytes (P6)', () => {
  it('arrive unchanged, split multi-byte UTF-8 included', async () => {
    const { h, upstream, secret } = await ready()
    const body = chat({ stream: true, stream_options: { include_usage: true } })
    const viaProxy = await rawRequest(h.url, {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body,
    })
    const direct = await rawRequest(h.mock.url.replace(/\/v1$/, ''), {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${upstream}`, 'content-type': 'application/json' },
      body,
    })
    const normalise = (bytes: Buffer) =>
      bytes
        .toString('latin1')
        .replace(/chatcmpl-mock\d+/g, 'ID')
        .replace(/"created":\d+/g, '"created":0')
    expect(viaProxy.headers['x-accel-buffering']).toBe('no')
    expect(viaProxy.headers['content-type']).toContain('text/event-stream')
    expect(normalise(viaProxy.body)).toBe(normalise(direct.body))
    expect(viaProxy.body.toString('utf8')).toContain('你好')
  })
})
