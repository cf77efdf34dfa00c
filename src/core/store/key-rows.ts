import type { UpstreamKey } from '../../shared/contract/keys'
import type { KeyState } from '../../shared/key-state'
import { maskedDisplay } from '../keys/key-token'

/** The columns every key listing reads: never `sealed` or `fingerprint`. */
export const KEY_COLUMNS = `id, provider_id, label, prefix, last4, state, state_reason, cooldown_until,
  weight, requests, successes, failures, consecutive_failures, tokens, last_used_at, last_error,
  models_json, created_at`

export interface KeyRow {
  id: number
  provider_id: number
  label: string
  prefix: string
  last4: string
  state: KeyState
  state_reason: string | null
  cooldown_until: number | null
  weight: number
  requests: number
  successes: number
  failures: number
  consecutive_failures: number
  tokens: number
  last_used_at: number
  last_error: string | null
  models_json: string | null
  created_at: number
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** A stored capability map; a damaged one reads as unknown rather than failing the page. */
export function parseModels(json: string | null): string[] | null {
  if (json === null) return null
  try {
    const models: unknown = JSON.parse(json)
    return Array.isArray(models) ? models.filter((m): m is string => typeof m === 'string') : null
  } catch {
    return null
  }
}

export function toUpstreamKey(row: KeyRow): UpstreamKey {
  return {
    id: row.id,
    providerId: row.provider_id,
    label: row.label,
    masked: maskedDisplay(row),
    last4: row.last4,
    state: row.state,
    stateReason: row.state_reason,
    cooldownUntil: iso(row.cooldown_until),
    weight: row.weight,
    requests: row.requests,
    successes: row.successes,
    failures: row.failures,
    consecutiveFailures: row.consecutive_failures,
    tokens: row.tokens,
    lastUsedAt: row.last_used_at > 0 ? iso(row.last_used_at) : null,
    lastError: row.last_error,
    createdAt: iso(row.created_at)!,
    models: parseModels(row.models_json),
  }
}
