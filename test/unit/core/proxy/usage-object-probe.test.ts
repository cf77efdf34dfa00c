import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bytesHaveUsageObject,
  hasUsageObject,
  indexOfUsageKey,
  lastIndexOfUsageKey,
} from '../../../../src/core/proxy/usage-object-probe'

const KEY = Buffer.from('"usage"')

/** Text made of the key's own letters, quotes and a few others: near misses everywhere. */
const nearMisses = fc
  .array(
    fc.constantFrom(
      '"usage"',
      '"',
      'u',
      's',
      'a',
      'g',
      'e',
      'usage',
      '"usag',
      'sage"',
      ':',
      '{',
      'é',
    ),
    {
      maxLength: 40,
    },
  )
  .map((parts) => Buffer.from(parts.join('')))

const cases: [string, boolean][] = [
  ['{"choices":[],"usage":{"prompt_tokens":1}}', true],
  ['{"usage" : \n {"total_tokens":3}}', true],
  ['{"type":"response.completed","response":{"usage":{"input_tokens":2}}}', true],
  // Every chunk of a stream whose client asked for usage: no parse for these.
  ['{"choices":[{"delta":{"content":"hi"}}],"usage":null}', false],
  ['{"usage":null,"x":{"usage":{"total_tokens":1}}}', true],
  // Inside a string the quotes are escaped: never a key.
  ['{"content":"say \\"usage\\": {}"}', false],
  ['{"content":"usage"}', false],
  ['{"usage"', false],
  ['', false],
]

describe('the usage-object probe', () => {
  it.each(cases)('%s → %s, on text and on bytes', (text, expected) => {
    expect(hasUsageObject(text)).toBe(expected)
    expect(bytesHaveUsageObject(Buffer.from(text))).toBe(expected)
  })
})

describe('the usage-key search', () => {
  it('property: finds what Buffer#indexOf and #lastIndexOf find, in any range', () => {
    fc.assert(
      fc.property(nearMisses, fc.nat(), fc.nat(), (bytes, a, b) => {
        const from = bytes.length === 0 ? 0 : a % (bytes.length + 1)
        const to = from + (b % (bytes.length - from + 1))
        const expected = bytes.subarray(0, to).indexOf(KEY, from)
        expect(indexOfUsageKey(bytes, from, to)).toBe(expected)
        expect(lastIndexOfUsageKey(bytes)).toBe(bytes.lastIndexOf(KEY))
      }),
      { numRuns: 2_000 },
    )
  })

  it('reads only the given range of bytes', () => {
    const bytes = Buffer.from('{"usage":{"a":1}} {"usage":null}')
    expect(bytesHaveUsageObject(bytes, 0, 17)).toBe(true)
    expect(bytesHaveUsageObject(bytes, 1, 17)).toBe(true)
    expect(bytesHaveUsageObject(bytes, 2, bytes.length)).toBe(false)
    // The object's brace lies past the range: not an object within it.
    expect(bytesHaveUsageObject(bytes, 0, 9)).toBe(false)
  })
})
