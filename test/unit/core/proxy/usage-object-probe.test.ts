import { describe, expect, it } from 'vitest'
import { bytesHaveUsageObject, hasUsageObject } from '../../../../src/core/proxy/usage-object-probe'

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
