import type { ProxyErrorCode } from '../../shared/proxy-errors'

/** The status a sub-key shows in lists (SPEC §6). */
export type SubKeyStatus = 'active' | 'expired' | 'exhausted' | 'disabled'

/** The limits of a sub-key as the hot path holds them in memory. */
export interface SubKeyLimits {
  enabled: boolean
  /** Milliseconds since the epoch, or null for never. */
  expiresAt: number | null
  /** Requests left; consulted only when `maxRequests` is set. */
  remaining: number | null
  /** Null means unlimited requests. */
  maxRequests: number | null
  /** Null means no token budget. */
  tokenBudget: number | null
  tokensUsed: number
}

/** Why a sub-key cannot be used, in the order a user fixes them: enable, extend, top up. */
type Refusal =
  'sub_key_disabled' | 'sub_key_expired' | 'sub_key_exhausted' | 'token_budget_exhausted'

function refusal(limits: SubKeyLimits, now: number): Refusal | null {
  if (!limits.enabled) return 'sub_key_disabled'
  if (limits.expiresAt !== null && limits.expiresAt <= now) return 'sub_key_expired'
  // A limited key with no count is treated as spent: a bad row must fail closed.
  if (limits.maxRequests !== null && !(limits.remaining !== null && limits.remaining > 0)) {
    return 'sub_key_exhausted'
  }
  if (limits.tokenBudget !== null && limits.tokensUsed >= limits.tokenBudget) {
    return 'token_budget_exhausted'
  }
  return null
}

/**
 * The status of a sub-key at `now`. A disabled key shows `disabled` even when also expired:
 * the user's own switch is the first thing to explain.
 */
export function subKeyStatus(limits: SubKeyLimits, now: number): SubKeyStatus {
  switch (refusal(limits, now)) {
    case null:
      return 'active'
    case 'sub_key_disabled':
      return 'disabled'
    case 'sub_key_expired':
      return 'expired'
    default:
      return 'exhausted'
  }
}

/**
 * The proxy error to answer before anything else happens, or null when the sub-key may proceed
 * to the model policy, the RPM limit and the atomic reservation. `remaining` here is a snapshot:
 * the reservation in the store is what guarantees the count (SECURITY.md D4).
 */
export function admissionError(limits: SubKeyLimits, now: number): ProxyErrorCode | null {
  return refusal(limits, now)
}
