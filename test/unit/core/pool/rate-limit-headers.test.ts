import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  headerCount,
  headerValue,
  readHeadroom,
} from '../../../../src/core/pool/rate-limit-headers'

/** The definition: a trimmed value of ASCII digits only, as a number. */
function countByDefinition(value: string): number | null {
  const trimmed = value.trim()
  return /^[0-9]+$/.test(trimmed) ? Number(trimmed) : null
}

describe('rate-limit headers', () => {
  it('reads the headroom an OpenAI answer reports', () => {
    expect(
      readHeadroom({
        'x-ratelimit-remaining-requests': '9999',
        'x-ratelimit-remaining-tokens': '29999000',
      }),
    ).toEqual({ remainingRequests: 9999, remainingTokens: 29999000 })
    expect(readHeadroom({})).toEqual({ remainingRequests: null, remainingTokens: null })
    expect(readHeadroom(undefined)).toEqual({ remainingRequests: null, remainingTokens: null })
  })

  it.each([
    ['0', 0],
    [' 12 ', 12],
    ['007', 7],
    ['', null],
    ['1.5', null],
    ['-1', null],
    ['12a', null],
    ['1 2', null],
    ['１２', null],
    ['12345678901234567890', Number('12345678901234567890')],
  ])('counts %j as %j', (value, expected) => {
    expect(headerCount({ 'x-count': value }, 'x-count')).toBe(expected)
  })

  it('takes the first of a repeated header, a number as given, any case, and Headers', () => {
    expect(headerCount({ 'x-count': ['3', '4'] }, 'x-count')).toBe(3)
    expect(headerCount({ 'x-count': 5 }, 'x-count')).toBe(5)
    expect(headerCount({ 'X-Count': '6' }, 'x-count')).toBe(6)
    expect(headerCount(new Headers({ 'x-count': '8' }), 'x-count')).toBe(8)
    expect(headerValue({ 'x-count': '  a ' }, 'x-count')).toBe('a')
  })

  it('property: a header value counts exactly when it is a run of ASCII digits', () => {
    const value = fc.oneof(
      fc.string(),
      fc.stringMatching(/^\s?[0-9]{1,22}\s?$/),
      fc.nat().map(String),
      fc.constantFrom('٣', '１', '0x10', '1e3', 'Infinity', '+1'),
    )
    fc.assert(
      fc.property(value, (text) => {
        expect(headerCount({ h: text }, 'h')).toBe(countByDefinition(text))
      }),
      { numRuns: 3000 },
    )
  })
})
