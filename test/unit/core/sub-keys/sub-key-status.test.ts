import { describe, expect, it } from 'vitest'
import {
  admissionError,
  subKeyStatus,
  type SubKeyLimits,
} from '../../../../src/core/sub-keys/sub-key-status'
import { proxyErrorStatus } from '../../../../src/shared/proxy-errors'

const now = Date.UTC(2026, 10, 21, 12, 0, 0)
const open: SubKeyLimits = {
  enabled: true,
  expiresAt: null,
  remaining: null,
  maxRequests: null,
  tokenBudget: null,
  tokensUsed: 0,
}
const check = (patch: Partial<SubKeyLimits>) => {
  const limits = { ...open, ...patch }
  return [subKeyStatus(limits, now), admissionError(limits, now)]
}

describe('subKeyStatus and admissionError', () => {
  it('admits an unlimited, enabled, unexpired key', () => {
    expect(check({})).toEqual(['active', null])
    expect(
      check({
        expiresAt: now + 1,
        maxRequests: 10,
        remaining: 1,
        tokenBudget: 100,
        tokensUsed: 99,
      }),
    ).toEqual(['active', null])
  })

  it('refuses a disabled key first, even if also expired and spent', () => {
    expect(check({ enabled: false, expiresAt: now - 1, maxRequests: 1, remaining: 0 })).toEqual([
      'disabled',
      'sub_key_disabled',
    ])
  })

  it('expires at the expiry instant', () => {
    expect(check({ expiresAt: now })).toEqual(['expired', 'sub_key_expired'])
    expect(check({ expiresAt: now - 1, maxRequests: 1, remaining: 0 })).toEqual([
      'expired',
      'sub_key_expired',
    ])
  })

  it('is exhausted with no requests left, or with its token budget used up', () => {
    expect(check({ maxRequests: 50, remaining: 0 })).toEqual(['exhausted', 'sub_key_exhausted'])
    expect(check({ maxRequests: 50, remaining: -3 })).toEqual(['exhausted', 'sub_key_exhausted'])
    expect(check({ tokenBudget: 1_000, tokensUsed: 1_000 })).toEqual([
      'exhausted',
      'token_budget_exhausted',
    ])
  })

  it('fails closed on a limited key without a remaining count, ignores remaining when unlimited', () => {
    expect(check({ maxRequests: 5, remaining: null })[1]).toBe('sub_key_exhausted')
    expect(check({ maxRequests: null, remaining: 0 })).toEqual(['active', null])
  })

  it('maps every refusal to the status SPEC §4 prescribes', () => {
    expect(proxyErrorStatus('sub_key_disabled')).toBe(403)
    expect(proxyErrorStatus('sub_key_expired')).toBe(401)
    expect(proxyErrorStatus('sub_key_exhausted')).toBe(429)
    expect(proxyErrorStatus('token_budget_exhausted')).toBe(429)
  })
})
