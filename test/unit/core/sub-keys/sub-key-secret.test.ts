import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  extractClientKey,
  generateSubKeySecret,
  hashSubKey,
  isSubKeySecret,
  secretsEqual,
  subKeyDisplay,
  subKeyRandomLength,
} from '../../../../src/core/sub-keys/sub-key-secret'

const base62 = /^[0-9A-Za-z]+$/

describe('generateSubKeySecret', () => {
  it('is sk-kp- and 43 base62 characters, i.e. at least 192 random bits', () => {
    const secret = generateSubKeySecret()
    expect(secret).toMatch(/^sk-kp-[0-9A-Za-z]{43}$/)
    expect(subKeyRandomLength * Math.log2(62)).toBeGreaterThanOrEqual(192)
    expect(isSubKeySecret(secret)).toBe(true)
  })

  it('never repeats and uses every base62 character about equally (no modulo bias)', () => {
    const secrets = Array.from({ length: 4_000 }, generateSubKeySecret)
    expect(new Set(secrets).size).toBe(secrets.length)
    const counts = new Map<string, number>()
    for (const secret of secrets) {
      for (const char of secret.slice(6)) counts.set(char, (counts.get(char) ?? 0) + 1)
    }
    expect(counts.size).toBe(62)
    const expected = (secrets.length * subKeyRandomLength) / 62
    const chiSquare = [...counts.values()].reduce(
      (sum, n) => sum + (n - expected) ** 2 / expected,
      0,
    )
    // 61 degrees of freedom: p = 1e-6 at about 125. `byte % 62` (no rejection) scores ~300 here.
    expect(chiSquare).toBeLessThan(125)
  })

  it('has an empirical per-character entropy close to log2(62)', () => {
    const chars = Array.from({ length: 2_000 }, generateSubKeySecret)
      .map((s) => s.slice(6))
      .join('')
    const counts = new Map<string, number>()
    for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1)
    const entropy = [...counts.values()].reduce((h, n) => {
      const p = n / chars.length
      return h - p * Math.log2(p)
    }, 0)
    expect(entropy * subKeyRandomLength).toBeGreaterThanOrEqual(192)
  })

  it('property: every secret has the fixed length and alphabet', () => {
    fc.assert(
      fc.property(fc.integer(), () => {
        const secret = generateSubKeySecret()
        expect(secret.length).toBe(6 + subKeyRandomLength)
        expect(secret.slice(6)).toMatch(base62)
      }),
      { numRuns: 300 },
    )
  })
})

describe('hashSubKey and subKeyDisplay', () => {
  it('stores SHA-256 hex and shows a prefix and the last 4 only', () => {
    const secret = 'sk-kp-AbCd0123456789012345678901234567890123WXYZ'
    expect(hashSubKey(secret)).toBe(createHash('sha256').update(secret).digest('hex'))
    expect(hashSubKey(secret)).toMatch(/^[0-9a-f]{64}$/)
    expect(subKeyDisplay(secret)).toEqual({ prefix: 'sk-kp-AbCd', last4: 'WXYZ' })
  })

  it('rejects values that are not sub-key secrets', () => {
    for (const value of [
      '',
      'sk-kp-',
      'sk-abc',
      `sk-kp-${'a'.repeat(42)}`,
      `sk-kp-${'a'.repeat(42)}!`,
    ]) {
      expect(isSubKeySecret(value)).toBe(false)
    }
  })
})

describe('secretsEqual', () => {
  it('compares any two strings, of any lengths', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(secretsEqual(a, b)).toBe(a === b)
        expect(secretsEqual(a, a)).toBe(true)
      }),
    )
  })
})

describe('extractClientKey', () => {
  it('reads Authorization: Bearer, then x-api-key, then api-key', () => {
    expect(extractClientKey({ authorization: 'Bearer sk-kp-1' })).toBe('sk-kp-1')
    expect(extractClientKey({ authorization: 'bearer   sk-kp-1 ' })).toBe('sk-kp-1')
    // The usual spelling's short way must read what the long way reads.
    for (const odd of ['Bearer  sk-kp-1', 'Bearer sk-kp-1\t', 'Bearer sk-kp-1\u00a0']) {
      expect(extractClientKey({ authorization: odd })).toBe('sk-kp-1')
    }
    expect(extractClientKey({ 'x-api-key': 'sk-kp-2' })).toBe('sk-kp-2')
    expect(extractClientKey({ 'api-key': ' sk-kp-3' })).toBe('sk-kp-3')
    expect(extractClientKey({ 'x-api-key': ['sk-kp-4', 'other'] })).toBe('sk-kp-4')
    expect(extractClientKey({ authorization: 'Bearer sk-kp-1', 'x-api-key': 'sk-kp-2' })).toBe(
      'sk-kp-1',
    )
  })

  it('returns null without a usable credential', () => {
    expect(extractClientKey({})).toBeNull()
    expect(extractClientKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeNull()
    expect(extractClientKey({ authorization: 'Bearer ' })).toBeNull()
    expect(extractClientKey({ authorization: 'Bearer', 'x-api-key': '' })).toBeNull()
  })
})
