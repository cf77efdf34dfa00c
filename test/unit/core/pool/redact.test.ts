import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { maxMessageLength, redact } from '../../../../src/core/pool/redact'

const base62 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const secretBody = fc
  .array(fc.constantFrom(...base62.split('')), { minLength: 20, maxLength: 64 })
  .map((chars) => chars.join(''))
const skSecret = fc
  .tuple(fc.constantFrom('sk-', 'sk-proj-', 'sk-kp-', 'sk-or-v1-', 'sk-ant-api03-'), secretBody)
  .map(([prefix, body]) => prefix + body)

describe('redact', () => {
  it('replaces sk- keys, bearer tokens and long opaque tokens', () => {
    expect(redact('Incorrect API key provided: sk-abc123. You can find your key')).toBe(
      'Incorrect API key provided: [redacted]. You can find your key',
    )
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]')
    expect(redact('token gsk_4f8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c here')).toBe('token [redacted] here')
    expect(redact('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln')).toBe(
      'jwt [redacted]',
    )
    expect(redact('id 123e4567-e89b-12d3-a456-426614174000')).toBe('id [redacted]')
  })

  it('keeps model names, URLs and ordinary words readable', () => {
    const text =
      'The model gpt-4o-mini-2024-07-18 or Meta-Llama-3.1-70B-Instruct, see https://platform.openai.com/account/rate-limits (task-force)'
    expect(redact(text)).toBe(text)
  })

  it('collapses whitespace, trims and caps the length', () => {
    expect(redact('  a\n\n b\t c  ')).toBe('a b c')
    expect(redact(undefined)).toBe('')
    expect(redact(null)).toBe('')
    const long = redact('word '.repeat(200))
    expect(long.length).toBe(maxMessageLength)
    expect(long.endsWith('…')).toBe(true)
  })

  it('drops a secret cut by the scan limit instead of keeping its first half', () => {
    const secret = 'Q'.repeat(10) + 'x'.repeat(30)
    const text = `${'a '.repeat(1_995)}${secret}`
    expect(redact(text, 10_000)).not.toContain('QQQQ')
  })

  it('never lets an sk- secret through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        skSecret,
        fc.string(),
        fc.integer({ min: 1, max: 300 }),
        (before, secret, after, max) => {
          const out = redact(`${before}${secret}${after}`, max)
          const body = secret.slice(secret.lastIndexOf('-') + 1)
          expect(out).not.toContain(secret)
          expect(out).not.toContain(body.slice(0, 12))
          expect(out.length).toBeLessThanOrEqual(max)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('never lets a bearer token through (property)', () => {
    fc.assert(
      fc.property(fc.string(), secretBody, (before, token) => {
        expect(redact(`${before} Bearer ${token}`)).not.toContain(token.slice(0, 8))
      }),
    )
  })
})
