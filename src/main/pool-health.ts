/** The tray's traffic light (SPEC §7). */
export type PoolHealth = 'green' | 'amber' | 'red' | 'grey'

export const POOL_HEALTHS: readonly PoolHealth[] = ['green', 'amber', 'red', 'grey']

/** How many upstream keys are in each state (SPEC §2.1); `total` includes every state. */
export interface KeyCounts {
  active: number
  cooling: number
  exhausted: number
  invalid: number
  disabled: number
  total: number
}

/** What the tray needs to know about the pool; the shell builds it from the core's state. */
export interface PoolHealthInput {
  proxyRunning: boolean
  counts: KeyCounts
  requestsLastMinute: number
  errorsLastMinute: number
}

export interface PoolHealthThresholds {
  /** Upstream error share above which the pool is amber. */
  errorRate: number
  /** Below this many requests a minute the error rate is noise (one failure of two is not 50%). */
  minRequests: number
}

export const DEFAULT_HEALTH_THRESHOLDS: PoolHealthThresholds = { errorRate: 0.2, minRequests: 5 }

export const ZERO_KEY_COUNTS: KeyCounts = Object.freeze({
  active: 0,
  cooling: 0,
  exhausted: 0,
  invalid: 0,
  disabled: 0,
  total: 0,
})

/**
 * Maps the pool's state to the tray colour. Pure, so every state is tested without Electron.
 * Disabled keys are the user's choice and never make the pool amber; an empty pool is red
 * because requests would fail.
 */
export function poolHealth(
  input: PoolHealthInput,
  thresholds: Partial<PoolHealthThresholds> = {},
): PoolHealth {
  const { errorRate, minRequests } = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds }
  if (!input.proxyRunning) return 'grey'
  const { counts } = input
  if (counts.active <= 0) return 'red'
  if (counts.cooling > 0 || counts.invalid > 0 || counts.exhausted > 0) return 'amber'
  const requests = input.requestsLastMinute
  if (requests >= minRequests && input.errorsLastMinute / requests > errorRate) return 'amber'
  return 'green'
}

/**
 * The tray tooltip, e.g. `KeyPool · 12 active · 3 invalid · 42 req/min`. Zero counts are left
 * out (except active, the number that matters); a stopped proxy says so instead of a rate.
 */
export function trayTooltip(input: PoolHealthInput): string {
  const { counts } = input
  const parts = ['KeyPool']
  if (!input.proxyRunning) parts.push('proxy stopped')
  parts.push(`${counts.active} active`)
  for (const state of ['cooling', 'exhausted', 'invalid', 'disabled'] as const) {
    if (counts[state] > 0) parts.push(`${counts[state]} ${state}`)
  }
  if (input.proxyRunning) {
    parts.push(`${input.requestsLastMinute} req/min`)
    if (input.errorsLastMinute > 0) parts.push(`${input.errorsLastMinute} errors/min`)
  }
  return parts.join(' · ')
}
