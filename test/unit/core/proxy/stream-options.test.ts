import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findTopLevelKey } from '../../../../src/core/proxy/json-top-level'
import { readJsonTopLevel } from '../../../../src/core/proxy/request-model'
import { requestStreamUsage } from '../../../../src/core/proxy/stream-options'

const chat = '/v1/chat/completions'
const edit = (text: string, path = chat, method = 'POST') => {
  const original = Buffer.from(text)
  return { original, ...requestStreamUsage(method, path, original, readJsonTopLevel(original)) }
}

describe('requestStreamUsage', () => {
  it('inserts stream_options when a streamed chat completion has none', () => {
    const text = '{ "model" : "gpt-4o",\n "stream": true, "seed": 12345678901234567890, "x": 1.50 }'
    const result = edit(text)
    expect(result.stripUsageChunk).toBe(true)
    expect(result.body.toString()).toBe(
      '{"stream_options":{"include_usage":true}, "model" : "gpt-4o",\n "stream": true, "seed": 12345678901234567890, "x": 1.50 }',
    )
  })

  it('sets include_usage inside an existing stream_options, keeping its other fields', () => {
    const result = edit(
      '{"model":"m","stream_options":{"include_obfuscation":false,"include_usage":false},"stream":true,"n":1}',
    )
    expect(result.stripUsageChunk).toBe(true)
    expect(result.body.toString()).toBe(
      '{"model":"m","stream_options":{"include_obfuscation":false,"include_usage":true},"stream":true,"n":1}',
    )
  })

  it('replaces a null stream_options and every repeat of the key', () => {
    const result = edit('{"stream_options":null,"stream":true,"stream_options":{}}')
    expect(result.body.toString()).toBe(
      '{"stream_options":{"include_usage":true},"stream":true,"stream_options":{"include_usage":true}}',
    )
  })

  it('finds an escaped key and keeps multi-byte text byte-identical', () => {
    const text =
      '{"messages":[{"content":"日本語 \\"}{ é 🙂"}],"stream\\u005foptions":{},"stream":true}'
    const result = edit(text)
    expect(JSON.parse(result.body.toString())).toEqual({
      ...JSON.parse(text),
      stream_options: { include_usage: true },
    })
    expect(result.body.toString()).toContain('"content":"日本語 \\"}{ é 🙂"')
  })

  it.each([
    [
      'the client asked for usage',
      '{"stream":true,"stream_options":{"include_usage":true}}',
      chat,
      'POST',
    ],
    ['not streamed', '{"model":"m","stream":false}', chat, 'POST'],
    ['stream is not the boolean true', '{"model":"m","stream":"true"}', chat, 'POST'],
    ['another route', '{"model":"m","stream":true}', '/v1/completions', 'POST'],
    ['a GET', '{"model":"m","stream":true}', chat, 'GET'],
    ['stream_options is not an object', '{"stream":true,"stream_options":"x"}', chat, 'POST'],
  ])('leaves the very same body when %s', (_name, text, path, method) => {
    const result = edit(text, path, method)
    expect(result.stripUsageChunk).toBe(false)
    expect(result.body).toBe(result.original)
    expect(result.body.toString()).toBe(text)
  })

  it('matches the route without its query string or trailing slash', () => {
    expect(edit('{"stream":true}', '/v1/chat/completions/?api-version=1').stripUsageChunk).toBe(
      true,
    )
  })

  it('leaves the body untouched without a parsed JSON object', () => {
    const body = Buffer.from('{"stream":true}')
    expect(requestStreamUsage('POST', chat, body, undefined)).toEqual({
      body,
      stripUsageChunk: false,
    })
  })

  it('property: only stream_options changes, every other field keeps its value', () => {
    const body = fc.record(
      {
        model: fc.string(),
        messages: fc.array(
          fc.record({ role: fc.string(), content: fc.string({ unit: 'grapheme' }) }),
        ),
        stream: fc.constant(true),
        stream_options: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        metadata: fc.jsonValue(),
      },
      { requiredKeys: ['stream'] },
    )
    fc.assert(
      fc.property(body, fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined)
        const parsed = JSON.parse(text) as Record<string, unknown>
        const bytes = Buffer.from(text)
        const result = requestStreamUsage('POST', chat, bytes, readJsonTopLevel(bytes))
        const after = JSON.parse(result.body.toString()) as Record<string, unknown>
        const { stream_options: before, ...rest } = parsed
        const { stream_options: now, ...restAfter } = after
        expect(restAfter).toEqual(rest)
        expect(now).toEqual({ ...(before as object | undefined), include_usage: true })
        expect(result.stripUsageChunk).toBe(
          (before as { include_usage?: unknown } | undefined)?.include_usage !== true,
        )
      }),
    )
  })
})

describe('findTopLevelKey', () => {
  it('ignores the key inside nested objects and strings', () => {
    const text = Buffer.from('{"a":{"k":1},"b":"\\"k\\":2","k":[1,{"k":3}],"c":true}')
    const found = findTopLevelKey(text, 'k')
    expect(found?.spans.map((s) => text.toString('utf8', s.start, s.end))).toEqual(['[1,{"k":3}]'])
  })

  it('handles an empty object and refuses a non-object', () => {
    expect(findTopLevelKey(Buffer.from(' {} '), 'k')).toEqual({ open: 1, spans: [] })
    expect(findTopLevelKey(Buffer.from('[1]'), 'k')).toBeNull()
  })
})
