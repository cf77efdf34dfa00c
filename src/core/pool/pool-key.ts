import type { KeyState } from '../../shared/key-state'

/**
 * One upstream key as the router sees it: everything needed to choose it, nothing secret.
 * The secret itself stays in the store and is fetched by id only for the chosen key.
 */
export interface PoolKey {
  id: number
  providerId: number
  state: KeyState
  /** Epoch ms when a `cooling` key may be used again; null in every other state. */
  cooldownUntil: number | null
  /** Relative share for `weighted-random`; 0 never picked while a positive-weight key is free. */
  weight: number
  /** The key's capability map; null = unknown, so any model is accepted. Matched case-insensitively. */
  models: ReadonlySet<string> | null
  /** Epoch ms of the last request routed to the key; 0 = never. */
  lastUsedAt: number
  /** The upstream's last `x-ratelimit-remaining-requests`; null = not reported yet. */
  remainingRequests: number | null
  /** The upstream's last `x-ratelimit-remaining-tokens`; null = not reported yet. */
  remainingTokens: number | null
  /** Failures in a row (reset on success): the exponent of the fallback cooldown. */
  consecutiveFailures: number
}

/** The fields the state machine decides from. */
export type KeyStatus = Pick<PoolKey, 'state' | 'cooldownUntil' | 'consecutiveFailures'>

/** A PoolKey with the defaults of a fresh, never used, active key. */
export function createPoolKey(
  fields: Pick<PoolKey, 'id' | 'providerId'> & Partial<PoolKey>,
): PoolKey {
  return {
    state: 'active',
    cooldownUntil: null,
    weight: 1,
    models: null,
    lastUsedAt: 0,
    remainingRequests: null,
    remainingTokens: null,
    consecutiveFailures: 0,
    ...fields,
  }
}

/** Whether the key may serve `model` (undefined: the request names no model, e.g. `/v1/files`). */
export function servesModel(key: Pick<PoolKey, 'models'>, model: string | undefined): boolean {
  return key.models === null || model === undefined || key.models.has(model.toLowerCase())
}
