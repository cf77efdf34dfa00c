import { afterEach, describe, expect, it } from 'vitest'
import { LocalServer } from '../../src/core/http/local-server'
import { silentLogger } from '../../src/core/logger'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'
import { parseRawResponses, rawExchange, rawRequest, rawTrickle } from './proxy-raw-http'

/**
 * SECURITY.md I2: malformed HTTP at the proxy, written byte for byte on raw sockets (no client
 * library would send it). Whoever answers, Node's parser (through LocalServer's `clientError`)
 * or KeyPool's proxy, the answer is a 4xx in OpenAI's error shape, the mock upstream sees
 * nothing, no secret comes back, and a normal request on a new connection still works.
 */

let harness: ProxyHarness | undefined
let extraServer: LocalServer | undefined
afterEach(async () => {
  await extraServer?.close(0)
  extraServer = undefined
  await harness?.close()
  harness = undefined
})

const JSON_LIMIT = 16 * 1024
const MULTIPART_LIMIT = 32 * 1024

interface Ready {
  h: ProxyHarness
  /** The Host header value that passes the Host guard. */
  host: string
  secret: string
  upstream: string
}

async function ready(): Promise<Ready> {
  harness = await startProxyHarness({
    settings: { proxy: { maxJsonBodyBytes: JSON_LIMIT, maxMultipartBodyBytes: MULTIPART_LIMIT } },
  })
  const [upstream] = upstreamKeys(1, 'CANARYI2') as [string]
  await harness.addKeys([upstream])
  const { secret } = await harness.subKey({ name: 'i2' })
  return { h: harness, host: new URL(harness.url).host, secret, upstream }
}

const chatBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
})

/** A request head: the request line, then each header line, then the blank line. */
function head(requestLine: string, headers: readonly string[]): string {
  return [requestLine, ...headers].map((line) => `${line}\r\n`).join('') + '\r\n'
}

interface MalformedCase {
  name: string
  bytes: (r: Ready) => string | readonly (string | Buffer)[]
  /** The status of the first answer. */
  status: number
  /** The error code of the first answer, when it matters. */
  code?: string
  /** How many answers may come back on the connection (default exactly 1). */
  answers?: readonly [number, number]
  halfClose?: boolean
}

/**
 * Sends one case and checks everything I2 asks of it: a 4xx in OpenAI's shape, no second
 * answer for a smuggled request, no upstream call, no secret, and a working proxy afterwards.
 */
async function expectRefused(r: Ready, c: MalformedCase): Promise<void> {
  const { h } = r
  const upstreamBefore = h.mock.count()
  const raw = c.bytes(r)
  const { text, closedByServer } = await rawExchange(h.url, typeof raw === 'string' ? [raw] : raw, {
    halfClose: c.halfClose ?? false,
  })
  const answers = parseRawResponses(text)
  const [min, max] = c.answers ?? [1, 1]
  expect(answers.length, `${c.name}: answers in ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(
    min,
  )
  expect(answers.length, `${c.name}: answers in ${JSON.stringify(text)}`).toBeLessThanOrEqual(max)
  expect(answers[0]!.status, `${c.name}: ${text}`).toBe(c.status)
  for (const answer of answers) {
    expect(answer.status, c.name).toBeGreaterThanOrEqual(400)
    expect(answer.status, c.name).toBeLessThan(500)
    expect(answer.headers['content-type'], c.name).toContain('application/json')
    const error = (JSON.parse(answer.body) as { error: Record<string, unknown> }).error
    expect(error['message'], c.name).toBeTypeOf('string')
    expect(error['type'], c.name).toBeTypeOf('string')
    expect(error['code'], c.name).toBeTypeOf('string')
  }
  if (c.code) {
    const first = JSON.parse(answers[0]!.body) as { error: { code: string } }
    expect(first.error.code, c.name).toBe(c.code)
  }
  // Refused connections are closed (cases answered by the proxy itself ask for it): nothing
  // left on them can be read as a next request.
  expect(closedByServer, `${c.name}: connection closed`).toBe(true)
  for (const secret of [r.secret, r.upstream]) expect(text, c.name).not.toContain(secret)
  expect(h.mock.count(), `${c.name}: upstream requests`).toBe(upstreamBefore)

  // The process is still up and still proxies, on a new connection.
  const normal = await rawRequest(h.url, {
    method: 'GET',
    path: '/v1/models',
    headers: { authorization: `Bearer ${r.secret}` },
  })
  expect(normal.status, `${c.name}: a normal request afterwards`).toBe(200)
  expect(h.mock.count(), c.name).toBe(upstreamBefore + 1)
}

async function expectAllRefused(cases: readonly MalformedCase[]): Promise<void> {
  const r = await ready()
  for (const c of cases) await expectRefused(r, c)
  const health = await fetch(`${r.h.url}/health`)
  expect(health.status).toBe(200)
}

const auth = (r: Ready) => `Authorization: Bearer ${r.secret}`
const chat = (r: Ready, extra: readonly string[]) =>
  head('POST /v1/chat/completions HTTP/1.1', [`Host: ${r.host}`, auth(r), ...extra])
/** The request a smuggling attempt hides in a body: it would reach the mock if it were served. */
const smuggled = (r: Ready) => head('GET /v1/models HTTP/1.1', [`Host: ${r.host}`, auth(r)])

describe('I2 malformed HTTP at the proxy /v1/*', () => {
  it('the detector works: two honest pipelined requests get two answers', async () => {
    const r = await ready()
    const before = r.h.mock.count()
    const last = head('GET /v1/models HTTP/1.1', [`Host: ${r.host}`, auth(r), 'Connection: close'])
    const { text } = await rawExchange(r.h.url, [smuggled(r) + last])
    expect(parseRawResponses(text).map((answer) => answer.status)).toEqual([200, 200])
    expect(r.h.mock.count()).toBe(before + 2)
  })

  it('refuses request smuggling: CL.TE, TE.CL, duplicate lengths, obfuscated Transfer-Encoding', async () => {
    const clte = (te: readonly string[]) => (r: Ready) => {
      const body = `0\r\n\r\n${smuggled(r)}`
      return chat(r, [...te, `Content-Length: ${body.length}`]) + body
    }
    const cases: MalformedCase[] = [
      {
        name: 'CL.TE',
        bytes: (r) => {
          const body = `0\r\n\r\n${smuggled(r)}`
          return (
            chat(r, [
              'Content-Type: application/json',
              `Content-Length: ${body.length}`,
              'Transfer-Encoding: chunked',
            ]) + body
          )
        },
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'TE.CL',
        bytes: (r) => {
          const inner = smuggled(r)
          return (
            chat(r, [
              'Content-Type: application/json',
              'Transfer-Encoding: chunked',
              'Content-Length: 4',
            ]) + `${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`
          )
        },
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'two differing Content-Length',
        bytes: (r) => {
          const body = smuggled(r)
          return chat(r, ['Content-Length: 0', `Content-Length: ${body.length}`]) + body
        },
        status: 400,
      },
      {
        name: 'two equal Content-Length',
        bytes: (r) => chat(r, ['Content-Length: 2', 'Content-Length: 2']) + '{}',
        status: 400,
      },
      {
        name: 'Content-Length list',
        bytes: (r) => chat(r, ['Content-Length: 2, 2']) + '{}',
        status: 400,
      },
      {
        name: 'Content-Length with a sign',
        bytes: (r) => chat(r, ['Content-Length: +2']) + '{}',
        status: 400,
      },
      {
        name: 'Content-Length in hex',
        bytes: (r) => chat(r, ['Content-Length: 0x2']) + '{}',
        status: 400,
      },
      { name: 'TE xchunked + CL', bytes: clte(['Transfer-Encoding: xchunked']), status: 400 },
      { name: 'TE " chunked" + CL', bytes: clte(['Transfer-Encoding:  chunked']), status: 400 },
      { name: 'TE tab chunked + CL', bytes: clte(['Transfer-Encoding:\tchunked']), status: 400 },
      { name: 'TE CHUNKED + CL', bytes: clte(['Transfer-Encoding: CHUNKED']), status: 400 },
      {
        name: 'TE "identity, chunked" + CL',
        bytes: clte(['Transfer-Encoding: identity, chunked']),
        status: 400,
      },
      {
        name: 'TE "chunked, identity"',
        bytes: (r) => chat(r, ['Transfer-Encoding: chunked, identity']) + `0\r\n\r\n${smuggled(r)}`,
        status: 400,
      },
      {
        name: 'TE xchunked alone',
        bytes: (r) => chat(r, ['Transfer-Encoding: xchunked']) + `0\r\n\r\n${smuggled(r)}`,
        status: 400,
      },
      {
        name: 'two Transfer-Encoding headers',
        bytes: (r) =>
          chat(r, ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity']) +
          `0\r\n\r\n${smuggled(r)}`,
        status: 400,
      },
      {
        name: 'space before the colon of Transfer-Encoding',
        bytes: clte(['Transfer-Encoding : chunked']),
        status: 400,
      },
      {
        name: 'vertical tab before chunked',
        bytes: clte(['Transfer-Encoding:\x0bchunked']),
        status: 400,
      },
      {
        // `Transfer_Encoding` is just an unknown header: Content-Length frames the body, which
        // is then no JSON; the request inside it is never parsed as one.
        name: 'Transfer_Encoding (underscore) + CL',
        bytes: (r) => {
          const body = `0\r\n\r\n${smuggled(r)}`
          return (
            chat(r, [
              'Content-Type: application/json',
              'Transfer_Encoding: chunked',
              'Connection: close',
              `Content-Length: ${body.length}`,
            ]) + body
          )
        },
        status: 400,
        code: 'invalid_request',
      },
    ]
    await expectAllRefused(cases)
  })

  it('refuses bad chunked bodies: sizes, missing final chunk, extension garbage', async () => {
    const chunked = (r: Ready) =>
      chat(r, ['Content-Type: application/json', 'Transfer-Encoding: chunked'])
    const cases: MalformedCase[] = [
      { name: 'size not hex', bytes: (r) => chunked(r) + 'zz\r\nabc\r\n0\r\n\r\n', status: 400 },
      { name: 'negative size', bytes: (r) => chunked(r) + '-1\r\nabc\r\n0\r\n\r\n', status: 400 },
      {
        name: 'size overflow',
        bytes: (r) => chunked(r) + 'ffffffffffffffffffff\r\nabc\r\n',
        status: 400,
      },
      {
        name: 'more data than the size',
        bytes: (r) => chunked(r) + '2\r\n{"model":1}\r\n0\r\n\r\n',
        status: 400,
      },
      {
        name: 'space before the size',
        bytes: (r) => chunked(r) + ' 2\r\n{}\r\n0\r\n\r\n',
        status: 400,
      },
      {
        name: 'control bytes in an extension',
        bytes: (r) => chunked(r) + '2;\x01\x02=\x7f\r\n{}\r\n0\r\n\r\n',
        status: 400,
      },
      {
        name: 'CR LF inside an extension',
        bytes: (r) => chunked(r) + '2;a=b\rX-Injected: 1\r\n{}\r\n0\r\n\r\n',
        status: 400,
      },
      {
        name: 'extensions past the limit',
        bytes: (r) => chunked(r) + `2;${'a'.repeat(20 * 1024)}\r\n{}\r\n0\r\n\r\n`,
        status: 413,
        code: 'request_too_large',
      },
      {
        name: 'no final chunk, then the client stops sending',
        bytes: (r) => chunked(r) + '2\r\n{}\r\n',
        halfClose: true,
        status: 400,
      },
    ]
    await expectAllRefused(cases)
  })

  it('refuses huge, numerous, injected and missing headers', async () => {
    const models = (r: Ready, extra: readonly string[]) =>
      head('GET /v1/models HTTP/1.1', [`Host: ${r.host}`, auth(r), ...extra])
    const cases: MalformedCase[] = [
      {
        name: 'one header over 16 KB',
        bytes: (r) => models(r, [`X-Big: ${'z'.repeat(17 * 1024)}`]),
        status: 431,
        code: 'request_header_fields_too_large',
      },
      {
        name: 'headers over 16 KB in total',
        bytes: (r) =>
          models(
            r,
            Array.from({ length: 40 }, (_, i) => `X-Part-${i}: ${'y'.repeat(500)}`),
          ),
        status: 431,
      },
      {
        name: 'too many headers (small ones, under 16 KB)',
        bytes: (r) =>
          models(
            r,
            Array.from({ length: 150 }, (_, i) => `X-${i}: 1`),
          ),
        status: 431,
        code: 'request_header_fields_too_large',
      },
      {
        // Node 24 refuses past its header count itself; LocalServer checks the count as well.
        name: 'one header past the limit of 100',
        bytes: (r) =>
          models(
            r,
            Array.from({ length: 99 }, (_, i) => `X-${i}: 1`),
          ),
        status: 431,
        code: 'request_header_fields_too_large',
      },
      {
        name: 'bare CR in a value (header injection)',
        bytes: (r) => models(r, ['X-A: b\rX-Injected: 1']),
        status: 400,
      },
      {
        name: 'LF-only line ends',
        bytes: (r) => `GET /v1/models HTTP/1.1\nHost: ${r.host}\n${auth(r)}\n\n`,
        status: 400,
      },
      { name: 'NUL in a value', bytes: (r) => models(r, ['X-A: b\x00c']), status: 400 },
      { name: 'obs-fold continuation', bytes: (r) => models(r, ['X-A: b', ' c']), status: 400 },
      { name: 'invalid header name', bytes: (r) => models(r, ['X(A): b']), status: 400 },
      {
        name: 'no Host',
        bytes: (r) => head('GET /v1/models HTTP/1.1', [auth(r)]),
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'two Host headers',
        bytes: (r) => models(r, ['Host: evil.example']),
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'an Expect other than 100-continue',
        bytes: (r) =>
          chat(r, ['Expect: 200-ok', 'Content-Type: application/json', 'Content-Length: 2']) + '{}',
        status: 417,
      },
    ]
    await expectAllRefused(cases)
  })

  it('refuses invalid request lines, HTTP/0.9 and absurd methods', async () => {
    const line = (requestLine: string) => (r: Ready) =>
      head(requestLine, [`Host: ${r.host}`, auth(r), 'Connection: close'])
    const cases: MalformedCase[] = [
      { name: 'HTTP/0.9', bytes: () => 'GET /v1/models\r\n\r\n', status: 400 },
      { name: 'unknown version', bytes: line('GET /v1/models HTTP/9.9'), status: 400 },
      { name: 'version garbage', bytes: line('GET /v1/models HTTP/1.1x'), status: 400 },
      { name: 'space in the target', bytes: line('GET /v1/mod els HTTP/1.1'), status: 400 },
      { name: 'control byte in the target', bytes: line('GET /v1/\x01 HTTP/1.1'), status: 400 },
      { name: 'lower-case method', bytes: line('get /v1/models HTTP/1.1'), status: 400 },
      { name: 'unknown method', bytes: line('FOOBARBAZ /v1/models HTTP/1.1'), status: 400 },
      {
        name: 'TRACE (would echo the injected upstream key)',
        bytes: line('TRACE /v1/chat/completions HTTP/1.1'),
        status: 405,
        code: 'method_not_allowed',
      },
      { name: 'PROPFIND', bytes: line('PROPFIND /v1/models HTTP/1.1'), status: 405 },
      {
        name: 'CONNECT',
        bytes: (r) => head('CONNECT 127.0.0.1:9 HTTP/1.1', [`Host: ${r.host}`, auth(r)]),
        status: 405,
        code: 'method_not_allowed',
      },
      {
        name: 'HTTP/2 preface',
        bytes: () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
        status: 400,
      },
      {
        name: 'TLS ClientHello',
        bytes: () => [Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03])],
        status: 400,
      },
      {
        name: 'a target over 16 KB',
        bytes: line(`GET /v1/${'m'.repeat(17 * 1024)} HTTP/1.1`),
        status: 431,
      },
    ]
    const r = await ready()
    for (const c of cases) await expectRefused(r, c)
    // The 405 names what is allowed.
    const trace = await rawExchange(r.h.url, [
      head('TRACE /v1/models HTTP/1.1', [`Host: ${r.host}`, auth(r), 'Connection: close']),
    ])
    expect(parseRawResponses(trace.text)[0]!.headers['allow']).toBe(
      'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    )
  })

  it('refuses bad JSON, a wrong content type and a missing or bad model', async () => {
    const send =
      (body: string, type = 'application/json') =>
      (r: Ready) =>
        chat(r, [
          `Content-Type: ${type}`,
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
        ]) + body
    const cases: MalformedCase[] = [
      { name: 'bad JSON', bytes: send('{"model":'), status: 400, code: 'invalid_request' },
      { name: 'a JSON array', bytes: send('[1,2]'), status: 400, code: 'invalid_request' },
      { name: 'a JSON string', bytes: send('"gpt-4o"'), status: 400, code: 'invalid_request' },
      { name: 'no model', bytes: send('{"messages":[]}'), status: 400, code: 'invalid_request' },
      { name: 'empty body', bytes: send(''), status: 400, code: 'invalid_request' },
      { name: 'model is a number', bytes: send('{"model":4}'), status: 400 },
      {
        name: 'model is 300 characters',
        bytes: send(JSON.stringify({ model: 'm'.repeat(300) })),
        status: 400,
      },
      { name: 'text/plain', bytes: send(chatBody, 'text/plain'), status: 415 },
      {
        name: 'a form',
        bytes: send('model=gpt-4o-mini', 'application/x-www-form-urlencoded'),
        status: 415,
      },
      {
        name: 'no Content-Type and no JSON',
        bytes: (r) => chat(r, ['Content-Length: 5', 'Connection: close']) + 'hello',
        status: 400,
      },
    ]
    await expectAllRefused(cases)
  })

  it('refuses broken multipart uploads', async () => {
    const boundary = 'kp-boundary'
    const part = (headers: string, content: string) =>
      `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`
    const modelPart = part('Content-Disposition: form-data; name="model"', 'whisper-1')
    const filePart = (content: string) =>
      part(
        'Content-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav',
        content,
      )
    const upload =
      (body: string, type = `multipart/form-data; boundary=${boundary}`) =>
      (r: Ready) =>
        head('POST /v1/audio/transcriptions HTTP/1.1', [
          `Host: ${r.host}`,
          auth(r),
          `Content-Type: ${type}`,
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
        ]) + body
    const complete = (...parts: string[]) => `${parts.join('')}--${boundary}--\r\n`
    const cases: MalformedCase[] = [
      {
        name: 'no boundary',
        bytes: upload(complete(modelPart), 'multipart/form-data'),
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'boundary over 70 characters',
        bytes: upload(complete(modelPart), `multipart/form-data; boundary=${'b'.repeat(71)}`),
        status: 400,
      },
      { name: 'truncated', bytes: upload(modelPart + filePart('RIFF')), status: 400 },
      {
        name: 'truncated inside a part',
        bytes: upload(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhi`),
        status: 400,
      },
      {
        name: 'file part without a name',
        bytes: upload(
          complete(modelPart, part('Content-Disposition: form-data; filename="a.wav"', 'RIFF')),
        ),
        status: 400,
      },
      {
        name: 'part headers that never end',
        bytes: upload(`--${boundary}\r\nContent-Disposition: form-data; name="model"`),
        status: 400,
      },
      { name: 'model given twice', bytes: upload(complete(modelPart, modelPart)), status: 400 },
      {
        name: 'model field of 2 KB',
        bytes: upload(
          complete(part('Content-Disposition: form-data; name="model"', 'w'.repeat(2048))),
        ),
        status: 400,
      },
      {
        name: 'no model field',
        bytes: upload(complete(filePart('RIFF'))),
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'a part larger than the multipart limit',
        bytes: upload(complete(modelPart, filePart('x'.repeat(MULTIPART_LIMIT + 1)))),
        status: 413,
        code: 'request_too_large',
      },
      {
        name: 'a huge part, chunked',
        bytes: (r) => {
          const body = complete(modelPart, filePart('x'.repeat(MULTIPART_LIMIT + 1)))
          return (
            head('POST /v1/audio/transcriptions HTTP/1.1', [
              `Host: ${r.host}`,
              auth(r),
              `Content-Type: multipart/form-data; boundary=${boundary}`,
              'Transfer-Encoding: chunked',
            ]) + `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
          )
        },
        status: 413,
        code: 'request_too_large',
      },
    ]
    await expectAllRefused(cases)
  })

  it('refuses bodies over the limit, whatever Content-Length claims', async () => {
    const big = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'y'.repeat(JSON_LIMIT) }],
    })
    const cases: MalformedCase[] = [
      {
        // The claimed 20 bytes are a request of their own (bad JSON); the rest of the body is
        // then read as a next request and refused by the parser: never forwarded.
        name: 'Content-Length smaller than the body',
        bytes: (r) => chat(r, ['Content-Type: application/json', 'Content-Length: 20']) + big,
        status: 400,
        answers: [1, 2],
      },
      {
        name: 'Content-Length larger than the body, then the client stops sending',
        bytes: (r) =>
          chat(r, ['Content-Type: application/json', 'Content-Length: 1000']) + chatBody,
        halfClose: true,
        status: 400,
      },
      {
        name: 'Content-Length over the limit',
        bytes: (r) =>
          chat(r, ['Content-Type: application/json', `Content-Length: ${big.length}`]) + big,
        status: 413,
        code: 'request_too_large',
      },
      {
        name: 'chunked over the limit',
        bytes: (r) =>
          chat(r, ['Content-Type: application/json', 'Transfer-Encoding: chunked']) +
          `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
        status: 413,
        code: 'request_too_large',
      },
    ]
    await expectAllRefused(cases)
  })

  it('keeps an encoded CR LF in the target encoded upstream: no header is injected', async () => {
    const r = await ready()
    const answer = await rawRequest(r.h.url, {
      method: 'GET',
      path: '/v1/models%0d%0aX-Injected:%20yes',
      headers: { authorization: `Bearer ${r.secret}` },
    })
    expect(answer.status).toBeLessThan(500)
    const seen = r.h.mock.requests.at(-1)!
    expect(seen.path.toLowerCase()).toBe('/v1/models%0d%0ax-injected:%20yes')
    expect(seen.headers['x-injected']).toBeUndefined()
  })

  it('cuts slowloris headers at the headers timeout with a 408', async () => {
    const r = await ready()
    // The core's listener uses the 30 s default; a second listener with a short timeout serves
    // the same proxy, so the cut is observable in a test.
    const server = new LocalServer({
      logger: silentLogger,
      guardSettings: () => r.h.server.core.settings.get().proxy,
      headersTimeoutMs: 300,
    })
    extraServer = server
    server.mount('/v1', r.h.server.core.proxy.handle)
    const { port } = await server.listen(0, '127.0.0.1')
    const origin = `http://127.0.0.1:${port}`
    const before = r.h.mock.count()
    const started = performance.now()
    // One header line every 100 ms, never the blank line that ends them.
    const trickle = Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: 1\r\n`)
    const slow = rawTrickle(origin, [
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth(r)}\r\n`,
      ...trickle,
    ])
    const { text, closedByServer } = await slow
    const elapsed = performance.now() - started
    const [answer] = parseRawResponses(text)
    expect(answer?.status).toBe(408)
    expect(JSON.parse(answer!.body)).toMatchObject({ error: { code: 'request_timeout' } })
    expect(closedByServer).toBe(true)
    // Cut well before the trickle would have ended (40 × 100 ms), however loaded the machine.
    expect(elapsed).toBeLessThan(3_900)
    expect(r.h.mock.count()).toBe(before)
    const normal = await rawRequest(origin, {
      method: 'GET',
      path: '/v1/models',
      headers: { authorization: `Bearer ${r.secret}` },
    })
    expect(normal.status).toBe(200)
  })
})
