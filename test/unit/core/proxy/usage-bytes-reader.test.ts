import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { skipValue } from '../../../../src/core/proxy/json-top-level'
import { normalizeUsage } from '../../../../src/core/proxy/token-usage'
import { readUsageBytes } from '../../../../src/core/proxy/usage-bytes-reader'
import { chatTokens, chatUsage, responsesTokens, responsesUsage } from './usage-fixtures'

const read = (text: string, start = 0) => readUsageBytes(Buffer.from(text), start)

/** What the proxy did before the reader, and still does when it declines: span, then parse. */
function parsed(text: string): ReturnType<typeof normalizeUsage> | undefined {
  const bytes = Buffer.from(text)
  const end = skipValue(bytes, 0)
  if (end === -1) return undefined
  try {
    return normalizeUsage(JSON.parse(bytes.toString('utf8', 0, end)))
  } catch {
    return null
  }
}

describe('readUsageBytes', () => {
  it("reads OpenAI's two vocabularies with their details", () => {
    expect(read(JSON.stringify(chatUsage))).toEqual(chatTokens)
    expect(read(JSON.stringify(responsesUsage))).toEqual(responsesTokens)
  })

  it('reads the object at the offset it is given and stops at its end', () => {
    const body = `{"choices":[],"usage": {"prompt_tokens":7,"total_tokens":9} ,"x":[1,2]}`
    expect(read(body, body.indexOf('{"prompt'))).toMatchObject({ promptTokens: 7, totalTokens: 9 })
  })

  it("fills the total, and reads DeepSeek's cache hits as cached tokens", () => {
    expect(read('{"prompt_tokens":3,"completion_tokens":4}')?.totalTokens).toBe(7)
    expect(
      read('{"prompt_tokens":10,"completion_tokens":1,"prompt_cache_hit_tokens":6}')?.cachedTokens,
    ).toBe(6)
  })

  it('takes the last of a repeated key, as JSON.parse does', () => {
    expect(read('{"prompt_tokens":1,"prompt_tokens":2}')?.promptTokens).toBe(2)
    expect(read('{"prompt_tokens":1,"prompt_tokens":null,"total_tokens":5}')?.promptTokens).toBe(0)
    const details =
      '{"prompt_tokens":1,"prompt_tokens_details":{"cached_tokens":1},"prompt_tokens_details":{}}'
    expect(read(details)?.cachedTokens).toBe(0)
  })

  it('takes the Chat details unless they are null or absent, as `??` does', () => {
    expect(
      read(
        '{"input_tokens":1,"prompt_tokens_details":null,"input_tokens_details":{"cached_tokens":4}}',
      )?.cachedTokens,
    ).toBe(4)
    expect(
      read(
        '{"input_tokens":1,"prompt_tokens_details":7,"input_tokens_details":{"cached_tokens":4}}',
      )?.cachedTokens,
    ).toBe(0)
  })

  it('answers null when the object holds no count, like normalizeUsage', () => {
    expect(read('{}')).toBeNull()
    expect(read('{"prompt_tokens":"3","audio_tokens":2}')).toBeNull()
    expect(read('{"prompt_tokens":null}')).toBeNull()
  })

  it.each([
    ['an escape in a key', '{"prompt\\u005ftokens":3}'],
    ['an escape in a value', '{"prompt_tokens":3,"note":"a\\"b"}'],
    ['an array', '{"prompt_tokens":3,"list":[1]}'],
    ['a fraction in a count', '{"prompt_tokens":3.0}'],
    ['an exponent in a count', '{"prompt_tokens":3e2}'],
    ['a negative count', '{"prompt_tokens":-0}'],
    ['a count of 16 digits', '{"prompt_tokens":1234567890123456}'],
    ['a trailing comma', '{"prompt_tokens":3,}'],
    ['a leading zero', '{"prompt_tokens":03}'],
    ['a bad literal', '{"prompt_tokens":3,"x":nul}'],
    ['a control character in a string', '{"prompt_tokens":3,"x":"a\tb"}'],
    ['an object that does not end', '{"prompt_tokens":3'],
    ['objects nested too deep', '{"a":{"b":{"c":{"d":{"e":{}}}}},"prompt_tokens":3}'],
    ['no object at the offset', '"prompt_tokens"'],
  ])('declines %s (left to JSON.parse)', (_, text) => {
    expect(read(text)).toBeUndefined()
  })

  it('reads non-count numbers, literals and nested objects of other keys', () => {
    const text =
      '{ "prompt_tokens" : 3 ,\n"cost":-1.5e-3,"is_byok":false,"tier":"x","extra":{"a":{"b":true}},' +
      '"completion_tokens_details":{"reasoning_tokens":2,"audio":null},"total_tokens":0}'
    expect(read(text)).toEqual({ ...parsed(text) })
    expect(read(text)?.reasoningTokens).toBe(2)
  })

  it('property: whatever it answers equals JSON.parse + normalizeUsage, and it answers every object of its subset', () => {
    fc.assert(
      fc.property(usageText, fc.option(mutation), ({ text, inSubset }, change) => {
        const input = change === null ? text : mutated(text, change)
        const answer = read(input)
        if (answer !== undefined) expect(answer).toEqual(parsed(input))
        if (change === null && inSubset) expect(answer).not.toBeUndefined()
      }),
      { numRuns: 4000 },
    )
  })
})

const countKeys = [
  'prompt_tokens',
  'input_tokens',
  'completion_tokens',
  'output_tokens',
  'total_tokens',
  'prompt_cache_hit_tokens',
]
const detailKeys = [
  'prompt_tokens_details',
  'input_tokens_details',
  'completion_tokens_details',
  'output_tokens_details',
]
const innerKeys = ['cached_tokens', 'reasoning_tokens', 'audio_tokens']

interface Generated {
  text: string
  /** Whether the reader must answer it: no array, escape, odd count or deep nesting. */
  inSubset: boolean
}

const space = fc.constantFrom('', '', ' ', '\n', '\t ', '\r\n')
const plainString = fc
  .stringMatching(/^[a-z _.-]{0,8}$/)
  .map((s) => ({ text: `"${s}"`, inSubset: true }))

const leaf: fc.Arbitrary<Generated> = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }).map((n) => ({ text: String(n), inSubset: true })),
  fc.constantFrom('null', 'true', 'false').map((text) => ({ text, inSubset: true })),
  plainString,
  // What the reader leaves to JSON.parse in a count, or anywhere:
  fc
    .constantFrom(
      '-1',
      '-0',
      '1.5',
      '2.0',
      '1e3',
      '12345678901234567',
      '[]',
      '[1,"a"]',
      '"a\\"b"',
      '"\\u0041"',
    )
    .map((text) => ({ text, inSubset: false })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((n) => ({ text: JSON.stringify(n), inSubset: false })),
)

function objectOf(
  keys: fc.Arbitrary<string>,
  value: fc.Arbitrary<Generated>,
): fc.Arbitrary<Generated> {
  return fc.array(fc.tuple(keys, value, space, space), { maxLength: 7 }).chain((entries) =>
    space.map((edge) => ({
      text: `{${edge}${entries.map(([k, v, a, b]) => `"${k}"${a}:${b}${v.text}`).join(`${edge},`)}${edge}}`,
      inSubset: entries.every(([, v]) => v.inSubset),
    })),
  )
}

const otherKey = fc.oneof(
  fc.constantFrom('cost', 'is_byok', 'x', ''),
  fc.stringMatching(/^[a-z_]{1,12}$/),
)
const detailObject = objectOf(fc.oneof(fc.constantFrom(...innerKeys), otherKey), leaf)
const nested = objectOf(otherKey, fc.oneof(leaf, objectOf(otherKey, leaf)))

const usageText: fc.Arbitrary<Generated> = objectOf(
  fc.oneof(fc.constantFrom(...countKeys, ...detailKeys), otherKey),
  fc.oneof(leaf, leaf, detailObject, nested),
)

/** A character removed, doubled, or replaced by another that matters to JSON. */
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('remove', 'double', ...',:{}"0-.e[]\\ nt'.split('')),
})

function mutated(text: string, { at, kind }: { at: number; kind: string }): string {
  const i = at % text.length
  if (kind === 'remove') return text.slice(0, i) + text.slice(i + 1)
  if (kind === 'double') return text.slice(0, i) + text[i] + text.slice(i)
  return text.slice(0, i) + kind + text.slice(i + 1)
}
