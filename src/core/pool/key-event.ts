import type { KeyState } from '../../shared/key-state'
import type { UpstreamOutcome } from './classify-upstream-response'

/** What the user can do to a key: the only way out of `disabled`. */
export type UserAction = 'enable' | 'disable' | 'reset'

/**
 * Something that happened to a key. Traffic and validation carry the same classified outcome but
 * weigh differently: validation is never usage, and only it (or the user) revives a dead key.
 */
export type KeyEvent =
  | { source: 'traffic'; outcome: UpstreamOutcome }
  | { source: 'validation'; outcome: UpstreamOutcome }
  | { source: 'user'; action: UserAction }
  | { source: 'clock' }

/** What the event means for the request and the key's counters, whether or not the state moves. */
export interface DecisionEffects {
  /** Count a failure (and one more consecutive failure) against the key. */
  countsAsFailure: boolean
  /** Reset the consecutive failures: the key just proved it works. */
  resetsFailures: boolean
  /** The proxy should move the request to another key (while no byte reached the client). */
  retryOtherKey: boolean
}

/** The key moves `from` → `to`: record it once (time, from, to, reason, status) and persist it. */
export interface KeyTransition extends DecisionEffects {
  changed: true
  from: KeyState
  to: KeyState
  /** Short and redacted; shown next to the state in the UI. */
  reason: string
  status: number | null
  /** Set when `to` is `cooling`, null otherwise. */
  cooldownUntil: number | null
}

/** The key keeps its state (an already-known 401, a 5xx, a client error, a stale answer). */
export interface KeyUnchanged extends DecisionEffects {
  changed: false
  reason: string
  status: number | null
}

export type KeyDecision = KeyTransition | KeyUnchanged
