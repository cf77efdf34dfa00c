import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NOT_A_STRING, scanRequestBody } from '../../../../src/core/proxy/request-body-scan'

interface Facts {
  model: unknown
  stream: boolean
  /** The value of the last top-level `stream_options`, or undefined. */
  streamOptions: unknown
}

/** What `JSON.parse` makes of a body: the facts of an object, or undefined. */
function parsedFacts(body: Buffer): Facts | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const json = parsed as Record<string, unknown>
  const model = json['model']
  return {
    model:
      model === undefined || model === null || typeof model === 'string' ? model : NOT_A_STRING,
    stream: json['stream'] === true,
    streamOptions: json['stream_options'],
  }
}

/** What the scan makes of it, in the same terms. */
function scannedFacts(body: Buffer): Facts | undefined {
  const scanned = scanRequestBody(body)
  if (scanned === undefined) return undefined
  const last = scanned.streamOptions?.spans.at(-1)
  return {
    model: scanned.model,
    stream: scanned.stream,
    streamOptions: last && JSON.parse(body.toString('utf8', last.start, last.end)),
  }
}

/** The scan either stays out or agrees with `JSON.parse`; returns whether it answered. */
function agrees(body: Buffer): boolean {
  const scanned = scannedFacts(body)
  if (scanned === undefined) return false
  expect(scanned).toEqual(parsedFacts(body))
  return true
}

const text = (value: string) => Buffer.from(value)

describe('scanRequestBody', () => {
  it('reads the top-level model, stream and stream_options, not nested ones', () => {
    const body = text(
      ' {"messages":[{"role":"user","content":"\\"model\\": \\"x\\"","model":"inner"}],' +
        '"model" : "gpt-4o-mini", "stream": true,\n"stream_options":{"include_usage":false}} ',
    )
    const scanned = scanRequestBody(body)
    expect(scanned?.model).toBe('gpt-4o-mini')
    expect(scanned?.stream).toBe(true)
    expect(scanned?.streamOptions?.open).toBe(1)
    const spans = scanned?.streamOptions?.spans ?? []
    expect(spans.map((s) => body.toString('utf8', s.start, s.end))).toEqual([
      '{"include_usage":false}',
    ])
  })

  it('takes the last of repeated keys, as JSON.parse does', () => {
    expect(scanRequestBody(text('{"model":"a","stream":true,"model":"b","stream":1}'))).toEqual({
      model: 'b',
      stream: false,
      streamOptions: { open: 0, spans: [] },
    })
  })

  it('reads each body’s own model when names of one length follow each other', () => {
    const models = ['gpt-4o', 'gpt-4x', 'gpt-4x', 'o1-pro', 'gpt\\n4', 'gpt-4o']
    const read = models.map((model) => scanRequestBody(text(`{"model":"${model}"}`))?.model)
    expect(read).toEqual(['gpt-4o', 'gpt-4x', 'gpt-4x', 'o1-pro', 'gpt\n4', 'gpt-4o'])
  })

  it.each([
    ['a model with escapes', '{"model":"gpt\\u002d4o\\n"}', 'gpt-4o\n'],
    ['a multi-byte model', '{"model":"модель-🙂"}', 'модель-🙂'],
    ['a null model', '{"model":null}', null],
    ['a numeric model', '{"model":4}', NOT_A_STRING],
    ['an object model', '{"model":{"id":"x"}}', NOT_A_STRING],
    ['no model', '{"messages":[]}', undefined],
    ['an empty object', '{}', undefined],
  ])('reads %s', (_name, body, model) => {
    expect(scanRequestBody(text(body))?.model).toEqual(model)
  })

  it.each([
    ['not JSON', '{"model": "gpt-4o",'],
    ['an array', '[{"model":"x"}]'],
    ['a string', '"model"'],
    ['trailing text', '{"model":"x"} {}'],
    ['a top-level key with an escape', '{"mod\\u0065l":"x"}'],
    ['a raw control character in a string', '{"model":"x","content":"a\u0001b"}'],
    ['a bad escape', '{"model":"x","content":"\\x41"}'],
    ['a short unicode escape', '{"model":"x","content":"\\u12"}'],
    ['a leading zero', '{"model":"x","n":01}'],
    ['a bare dot', '{"model":"x","n":1.}'],
    ['a lone minus', '{"model":"x","n":-}'],
    ['an empty exponent', '{"model":"x","n":1e}'],
    ['a trailing comma', '{"model":"x","a":[1,2,],}'],
    ['a missing colon', '{"model" "x"}'],
    ['single quotes', "{'model':'x'}"],
    ['a byte order mark', '\ufeff{"model":"x"}'],
    ['nesting deeper than the scan goes', `{"model":"x","a":${'['.repeat(600)}${']'.repeat(600)}}`],
  ])('leaves %s to JSON.parse', (_name, body) => {
    expect(scanRequestBody(text(body))).toBeUndefined()
  })

  it('agrees with JSON.parse on numbers, literals and whitespace it accepts', () => {
    for (const body of [
      '{"n":-0,"m":0.5e-7,"k":1E+30,"t":true,"f":false,"z":null,"s":"\\/\\b\\f\\r\\t"}',
      '\t\r\n{ "a" : [ ] , "b" : { } , "model" : "m" }\n',
      `{"model":"x","a":${'['.repeat(500)}${']'.repeat(500)}}`,
    ]) {
      expect(agrees(text(body))).toBe(true)
    }
  })

  it('property: answers for JSON objects and agrees with JSON.parse', () => {
    const value = fc.record(
      {
        model: fc.oneof(fc.string({ unit: 'grapheme' }), fc.constant(null), fc.jsonValue()),
        messages: fc.array(fc.record({ role: fc.string(), content: fc.string() })),
        stream: fc.oneof(fc.constant(true), fc.jsonValue()),
        stream_options: fc.jsonValue(),
        extra: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    let answered = 0
    let total = 0
    fc.assert(
      fc.property(value, fc.constantFrom(undefined, 1, '\t', ' \n '), (body, space) => {
        total++
        if (agrees(text(JSON.stringify(body, null, space)))) answered++
      }),
      { numRuns: 500 },
    )
    // Only a top-level key with an escape sends a valid object to JSON.parse; none here.
    expect(answered).toBe(total)
  })

  it('property: a damaged body is never read differently from JSON.parse', () => {
    const valid = fc
      .record({
        model: fc.string({ unit: 'grapheme' }),
        stream: fc.jsonValue(),
        stream_options: fc.jsonValue(),
        messages: fc.array(fc.record({ content: fc.string({ unit: 'binary' }) })),
      })
      .map((body) => Buffer.from(JSON.stringify(body)))
    const damage = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.uint8Array({ maxLength: 3 }),
    })
    fc.assert(
      fc.property(valid, fc.array(damage, { maxLength: 3 }), (body, damages) => {
        let bytes = body
        for (const { at, remove, insert } of damages) {
          const i = at % (bytes.length + 1)
          bytes = Buffer.concat([bytes.subarray(0, i), insert, bytes.subarray(i + remove)])
        }
        agrees(bytes)
      }),
      { numRuns: 3_000 },
    )
  })

  it('property: arbitrary bytes are never read differently from JSON.parse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        agrees(Buffer.from([123, ...bytes, 125]))
      }),
      { numRuns: 3_000 },
    )
  })
})
