import { describe, expect, it } from 'vitest'
import {
  cooldownFromHeaders,
  defaultCooldownSettings,
  exponentialBackoff,
  parseResetDuration,
  parseRetryAfter,
} from '../../../../src/core/pool/cooldown'

const now = Date.UTC(2026, 10, 21, 12, 0, 0)

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('20', now)).toBe(20_000)
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500)
  })

  it('reads an HTTP date relative to now, a past date meaning now', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Saturday, 21-Nov-26 12:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(0)
  })

  it.each([undefined, '', ' ', '-5', 'soon', '1 2', '12abc', 'Mon, garbage', '1e3', 'NaN'])(
    'returns null for garbage %j',
    (value) => expect(parseRetryAfter(value, now)).toBeNull(),
  )
})

describe('parseResetDuration', () => {
  it.each([
    ['1s', 1_000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['7.66s', 7_660],
    ['2m59.56s', 179_560],
    ['500us', 1],
    ['0s', 0],
    ['3', 3_000],
  ])('reads %s as %i ms', (value, ms) => expect(parseResetDuration(value)).toBe(ms))

  it.each([undefined, '', 's', '1x', '1s garbage', '-1s', 'm5', '1 s', 'abc'])(
    'returns null for garbage %j',
    (value) => expect(parseResetDuration(value)).toBeNull(),
  )
})

describe('exponentialBackoff', () => {
  it('doubles from the base by consecutive failures and stops at the cap', () => {
    const ms = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) =>
      exponentialBackoff(n, defaultCooldownSettings),
    )
    expect(ms).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000])
    expect(exponentialBackoff(0, defaultCooldownSettings)).toBe(5_000)
    expect(exponentialBackoff(10_000, defaultCooldownSettings)).toBe(600_000)
    expect(exponentialBackoff(3, { cooldownBaseMs: 1_000, cooldownMaxMs: 2_500 })).toBe(2_500)
  })
})

describe('cooldownFromHeaders', () => {
  it('prefers retry-after-ms, then Retry-After, then the reset headers', () => {
    const all = {
      'retry-after-ms': '1500',
      'retry-after': '20',
      'x-ratelimit-reset-requests': '1s',
    }
    expect(cooldownFromHeaders(all, now)).toBe(1_500)
    expect(cooldownFromHeaders({ ...all, 'retry-after-ms': 'x' }, now)).toBe(20_000)
    expect(
      cooldownFromHeaders({ 'Retry-After': 'junk', 'x-ratelimit-reset-requests': '1s' }, now),
    ).toBe(1_000)
  })

  it('takes the reset of the limit that ran out, else the longer one', () => {
    const resets = { 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '6m0s' }
    expect(cooldownFromHeaders({ ...resets, 'x-ratelimit-remaining-requests': '0' }, now)).toBe(20)
    expect(cooldownFromHeaders({ ...resets, 'x-ratelimit-remaining-tokens': '0' }, now)).toBe(
      360_000,
    )
    expect(cooldownFromHeaders(resets, now)).toBe(360_000)
    expect(cooldownFromHeaders({ 'x-ratelimit-reset-tokens': '2s' }, now)).toBe(2_000)
  })

  it('reads fetch Headers and repeated values', () => {
    expect(cooldownFromHeaders(new Headers({ 'Retry-After': '3' }), now)).toBe(3_000)
    expect(cooldownFromHeaders({ 'retry-after': ['4', '9'] }, now)).toBe(4_000)
  })

  it('returns null when the upstream said nothing usable', () => {
    expect(cooldownFromHeaders(undefined, now)).toBeNull()
    expect(cooldownFromHeaders({}, now)).toBeNull()
    expect(
      cooldownFromHeaders({ 'retry-after': 'later', 'x-ratelimit-reset-requests': '?' }, now),
    ).toBeNull()
  })
})
