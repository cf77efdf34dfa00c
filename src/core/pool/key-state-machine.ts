import type { KeyState } from '../../shared/key-state'
import type { OutcomeKind, UpstreamOutcome } from './classify-upstream-response'
import { type CooldownSettings, defaultCooldownSettings, exponentialBackoff } from './cooldown'
import type {
  DecisionEffects,
  KeyDecision,
  KeyEvent,
  KeyTransition,
  KeyUnchanged,
  UserAction,
} from './key-event'
import type { KeyStatus } from './pool-key'

export interface DecisionContext {
  now: number
  settings?: CooldownSettings
}

const outcomeState: Record<OutcomeKind, KeyState | null> = {
  success: 'active',
  invalid: 'invalid',
  exhausted: 'exhausted',
  'rate-limited': 'cooling',
  'client-error': null,
  'server-error': null,
  'network-error': null,
}

/** Whether an answer of this kind can move a key at all (a 5xx, a client error or none cannot). */
export const outcomeCanMoveKey = (kind: OutcomeKind): boolean => outcomeState[kind] !== null

const quiet: DecisionEffects = {
  countsAsFailure: false,
  resetsFailures: false,
  retryOtherKey: false,
}
const failed: DecisionEffects = {
  countsAsFailure: true,
  resetsFailures: false,
  retryOtherKey: true,
}
const succeeded: DecisionEffects = { ...quiet, resetsFailures: true }

/** Client errors are the caller's fault: they never count and are never retried elsewhere. */
const trafficEffects = (kind: OutcomeKind): DecisionEffects =>
  kind === 'success' ? succeeded : kind === 'client-error' ? quiet : failed

const cooldownOver = (key: KeyStatus, now: number): boolean =>
  key.cooldownUntil === null || key.cooldownUntil <= now

function cooldownMs(key: KeyStatus, outcome: UpstreamOutcome, settings: CooldownSettings): number {
  const asked = outcome.kind === 'rate-limited' ? outcome.retryAfterMs : null
  const ms = asked ?? exponentialBackoff(key.consecutiveFailures + 1, settings)
  return Math.min(Math.max(0, ms), settings.cooldownMaxMs)
}

// Fields spelled out rather than spread: one is built for every relayed answer.
const stay = (reason: string, status: number | null, effects: DecisionEffects): KeyUnchanged => ({
  changed: false,
  reason,
  status,
  countsAsFailure: effects.countsAsFailure,
  resetsFailures: effects.resetsFailures,
  retryOtherKey: effects.retryOtherKey,
})

const move = (
  from: KeyState,
  to: KeyState,
  reason: string,
  details: { status: number | null; cooldownUntil: number | null; effects: DecisionEffects },
): KeyTransition => ({
  changed: true,
  from,
  to,
  reason,
  status: details.status,
  cooldownUntil: details.cooldownUntil,
  countsAsFailure: details.effects.countsAsFailure,
  resetsFailures: details.effects.resetsFailures,
  retryOtherKey: details.effects.retryOtherKey,
})

const userReason: Record<UserAction, string> = {
  enable: 'enabled by the user',
  disable: 'disabled by the user',
  reset: 'reset by the user',
}

/** `disabled` is left only from here; `reset` revives only dead keys, never a resting one. */
function decideUser(key: KeyStatus, action: UserAction): KeyDecision {
  const dead = key.state === 'invalid' || key.state === 'exhausted'
  const to = action === 'disable' ? 'disabled' : action === 'enable' || dead ? 'active' : key.state
  const reason = userReason[action]
  if (to === key.state) return stay(reason, null, quiet)
  const effects = to === 'active' ? succeeded : quiet
  return move(key.state, to, reason, { status: null, cooldownUntil: null, effects })
}

/**
 * Traffic only moves `active` and `cooling` keys: an answer to a request that left before the key
 * was marked dead must not revive it (and 100 parallel 401s must make one transition, SECURITY
 * P5). Validation moves anything but `disabled`. Neither shortens a cooldown in progress.
 */
function decideOutcome(
  key: KeyStatus,
  event: Extract<KeyEvent, { outcome: UpstreamOutcome }>,
  now: number,
  settings: CooldownSettings,
): KeyDecision {
  const { outcome, source } = event
  const effects = source === 'traffic' ? trafficEffects(outcome.kind) : quiet
  const to = outcomeState[outcome.kind]
  if (to === null) {
    const unknown =
      source === 'validation' ? `validation unknown: ${outcome.detail}` : outcome.detail
    return stay(unknown, outcome.status, effects)
  }
  const movable =
    source === 'traffic'
      ? key.state === 'active' || key.state === 'cooling'
      : key.state !== 'disabled'
  const early = key.state === 'cooling' && to === 'active' && !cooldownOver(key, now)
  if (to === key.state || !movable || early) return stay(outcome.detail, outcome.status, effects)
  const cooldownUntil = to === 'cooling' ? now + cooldownMs(key, outcome, settings) : null
  const revived = source === 'validation' ? 'validation succeeded' : 'cooldown ended'
  const reason = to === 'active' ? revived : outcome.detail
  return move(key.state, to, reason, { status: outcome.status, cooldownUntil, effects })
}

/**
 * THE transitions of an upstream key (SPEC §2.1): a pure function of the key's status and one
 * event. Every state change in KeyPool, the proxy, validation and the services goes through here.
 */
export function decideKeyState(
  key: KeyStatus,
  event: KeyEvent,
  { now, settings = defaultCooldownSettings }: DecisionContext,
): KeyDecision {
  if (event.source === 'user') return decideUser(key, event.action)
  if (event.source === 'clock') {
    if (key.state !== 'cooling' || !cooldownOver(key, now)) return stay('no change', null, quiet)
    return move('cooling', 'active', 'cooldown ended', {
      status: null,
      cooldownUntil: null,
      effects: quiet,
    })
  }
  return decideOutcome(key, event, now, settings)
}
