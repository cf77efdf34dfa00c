import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  forwardRequestHeaders,
  forwardResponseHeaders,
  type HeaderList,
} from '../../../../src/core/proxy/header-filter'

/** A list as a record, repeated names merged into arrays in order: for the assertions. */
function asRecord(list: HeaderList): Record<string, string | string[]> {
  expect(list.length % 2).toBe(0)
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string>
  for (let i = 0; i < list.length; i += 2) {
    const [name, value] = [list[i]!, list[i + 1]!]
    const existing = out[name]
    out[name] = existing === undefined ? value : [existing, value].flat()
  }
  return { ...out }
}

const hopByHop = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]
const clientSecrets = ['authorization', 'x-api-key', 'api-key', 'cookie', 'expect']
const neverUpstream = [
  ...hopByHop,
  ...clientSecrets,
  'host',
  'content-length',
  'accept-encoding',
  'openai-organization',
  'openai-project',
]
const neverToClient = [...hopByHop, 'set-cookie']

const randomCase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''))
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
const value = fc.stringMatching(/^[ -~]{0,30}$/)
const headerName = fc.oneof(
  fc.constantFrom(...neverUpstream, ...neverToClient).chain(randomCase),
  token,
)
const rawHeaders = fc
  .tuple(
    fc.array(fc.tuple(headerName, value), { maxLength: 20 }),
    fc.array(token, { maxLength: 4 }),
  )
  .map(([pairs, named]) => {
    const raw = pairs.flat()
    if (named.length > 0) raw.push('Connection', named.join(', '))
    return { raw, named }
  })

describe('forwardRequestHeaders', () => {
  it('drops hop-by-hop, Connection-named and client credential headers, and injects the key', () => {
    const out = forwardRequestHeaders(
      {
        host: '127.0.0.1:8327',
        connection: 'keep-alive, X-Private',
        'x-private': 'secret',
        'keep-alive': 'timeout=5',
        authorization: 'Bearer sk-kp-client',
        'x-api-key': 'sk-kp-client',
        'api-key': 'sk-kp-client',
        cookie: 'session=1',
        expect: '100-continue',
        'content-length': '12',
        'accept-encoding': 'gzip, br',
        'transfer-encoding': 'chunked',
        'openai-organization': 'org-client',
        'content-type': 'application/json',
        'user-agent': 'OpenAI/JS 5.0',
        'x-stainless-retry-count': '0',
      },
      'sk-upstream',
    )
    expect(asRecord(out)).toEqual({
      'content-type': 'application/json',
      'user-agent': 'OpenAI/JS 5.0',
      'x-stainless-retry-count': '0',
      authorization: 'Bearer sk-upstream',
      'accept-encoding': 'identity',
    })
  })

  it('drops what a Connection header names, in any case and however often it comes', () => {
    const out = forwardRequestHeaders(
      {
        'X-Private': 'a',
        Connection: 'X-Private',
        'x-other': 'b',
        connection: ['close', 'X-Other, X-Third'],
        'x-third': 'c',
        'x-kept': 'd',
      },
      'sk-upstream',
    )
    expect(asRecord(out)).toEqual({
      'x-kept': 'd',
      authorization: 'Bearer sk-upstream',
      'accept-encoding': 'identity',
    })
  })

  it('reads raw header arrays in any case and keeps repeated headers in order', () => {
    const out = asRecord(
      forwardRequestHeaders(
        ['Authorization', 'Bearer x', 'X-Tag', 'a', 'x-tag', 'b', 'Content-Type', 'text/plain'],
        'k',
      ),
    )
    expect(out['x-tag']).toEqual(['a', 'b'])
    expect(out['content-type']).toBe('text/plain')
    expect(out['authorization']).toBe('Bearer k')
  })

  it('keeps names of a hand-made record that differ only in case, whichever comes first', () => {
    expect(
      asRecord(forwardRequestHeaders({ 'x-tag': 'a', 'X-Tag': 'b', accept: '*/*' }, 'k')),
    ).toMatchObject({
      'x-tag': ['a', 'b'],
      accept: '*/*',
    })
    expect(
      asRecord(forwardRequestHeaders({ 'X-Tag': 'a', 'x-tag': 'b', accept: '*/*' }, 'k')),
    ).toMatchObject({
      'x-tag': ['a', 'b'],
      accept: '*/*',
    })
  })

  it('passes a header named __proto__ or constructor as data, in order', () => {
    expect(
      forwardRequestHeaders(['__proto__', 'x', '__proto__', 'y', 'constructor', 'z'], 'k'),
    ).toEqual([
      '__proto__',
      'x',
      '__proto__',
      'y',
      'constructor',
      'z',
      'authorization',
      'Bearer k',
      'accept-encoding',
      'identity',
    ])
  })

  it('decides by name whatever the case, also past the names it remembers', () => {
    // More distinct names than a rule remembers: it starts over and decides afresh.
    for (let i = 0; i < 2_500; i++) forwardRequestHeaders([`X-Name-${i}`, 'v'], 'k')
    for (let round = 0; round < 2; round++) {
      expect(
        forwardRequestHeaders(
          [
            'Cookie',
            'a=1',
            'cookie',
            'b=2',
            'X-Api-Key',
            'sk',
            'User-Agent',
            'ua',
            'user-agent',
            'ub',
          ],
          'k',
        ),
      ).toEqual([
        'user-agent',
        'ua',
        'user-agent',
        'ub',
        'authorization',
        'Bearer k',
        'accept-encoding',
        'identity',
      ])
      expect(forwardResponseHeaders(['Set-Cookie', 'c', 'X-Request-Id', 'r'])).toEqual([
        'x-request-id',
        'r',
      ])
    }
  })

  it('property: no credential, cookie or hop-by-hop header ever passes', () => {
    fc.assert(
      fc.property(rawHeaders, ({ raw, named }) => {
        const out = asRecord(forwardRequestHeaders(raw, 'sk-upstream'))
        for (const name of Object.keys(out)) {
          expect(name).toBe(name.toLowerCase())
          if (name === 'authorization') continue
          if (name === 'accept-encoding') continue
          expect(neverUpstream).not.toContain(name)
          expect(named).not.toContain(name)
        }
        expect(out['authorization']).toBe('Bearer sk-upstream')
        expect(out['accept-encoding']).toBe('identity')
        // Any Connection header in the raw list names headers too, not only the generated ones.
        const namedInRaw = raw
          .filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'connection')
          .flatMap((value) => value.split(',').map((token) => token.trim().toLowerCase()))
        for (let i = 0; i < raw.length; i += 2) {
          const name = raw[i]!.toLowerCase()
          const dropped = neverUpstream.includes(name) || named.includes(name)
          if (!dropped && !namedInRaw.includes(name) && name !== 'connection') {
            expect(out[name]).toBeDefined()
          }
        }
      }),
    )
  })
})

describe('forwardResponseHeaders', () => {
  const upstream = {
    'content-type': 'text/event-stream',
    'content-length': '120',
    'set-cookie': ['__cf_bm=1; path=/', '_cfuvid=2'],
    'transfer-encoding': 'chunked',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'access-control-allow-origin': '*',
    'alt-svc': 'h3=":443"',
    'x-ratelimit-remaining-requests': '99',
    'x-request-id': 'req_1',
    'openai-processing-ms': 7,
  }

  it('drops cookies, hop-by-hop and CORS headers and keeps the rest', () => {
    expect(asRecord(forwardResponseHeaders(upstream))).toEqual({
      'content-type': 'text/event-stream',
      'content-length': '120',
      'x-ratelimit-remaining-requests': '99',
      'x-request-id': 'req_1',
      'openai-processing-ms': '7',
    })
  })

  it('drops content-length when the proxy alters the body', () => {
    const out = asRecord(forwardResponseHeaders(upstream, { bodyAltered: true }))
    expect(out['content-length']).toBe(undefined)
    expect(out['x-request-id']).toBe('req_1')
  })

  it('keeps content-encoding, which describes the bytes it passes through', () => {
    expect(forwardResponseHeaders({ 'content-encoding': 'gzip' })).toEqual([
      'content-encoding',
      'gzip',
    ])
  })

  it('property: no cookie, hop-by-hop or Connection-named header ever passes', () => {
    fc.assert(
      fc.property(rawHeaders, ({ raw, named }) => {
        const out = asRecord(forwardResponseHeaders(raw))
        for (const name of Object.keys(out)) {
          expect(neverToClient).not.toContain(name)
          expect(named).not.toContain(name)
          expect(name.startsWith('access-control-')).toBe(false)
        }
      }),
    )
  })
})
