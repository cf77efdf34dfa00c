import type { KeyState } from '../../shared/key-state'
import type { Clock } from '../clock'
import type { EventBus } from '../events/event-bus'
import type { UserAction } from '../pool/key-event'
import { decideKeyState } from '../pool/key-state-machine'
import { redact } from '../pool/redact'
import type { KeyRepository, KeyStatusRecord } from '../store/key-repository'
import type { KeyTransitionRepository } from '../store/key-transition-repository'

export interface TransitionDetails {
  /** Short; shown next to the state. Redacted before it is stored. */
  reason: string
  httpStatus?: number | null
  /** A short upstream message; redacted before it is stored. */
  message?: string | null
  /** Apply only if the key is still in this state (the decision was made from a snapshot). */
  expectedFrom?: KeyState
  /** For `cooling`: when the key may be used again (epoch ms). Cleared for any other state. */
  cooldownUntil?: number | null
  /** The key proved it works: its consecutive failures start again from 0. */
  resetFailures?: boolean
}

export interface TransitionRequest extends TransitionDetails {
  id: number
  to: KeyState
}

/** A transition that was applied and recorded. */
export interface RecordedTransition {
  id: number
  providerId: number
  from: KeyState
  to: KeyState
  reason: string
  at: number
  cooldownUntil: number | null
}

/** Batches up to this size also announce each transition on its own. */
const DETAILED_EVENT_LIMIT = 100
/** `keys.changed` names the ids up to this many; beyond, listeners reload everything. */
export const CHANGED_IDS_LIMIT = 1000

/**
 * The one place where a stored key changes state (SPEC §2.1). Each transition is a conditional
 * `UPDATE … WHERE state = from RETURNING` plus its history row, in one transaction: of many
 * callers attempting the same transition, exactly one records it (SECURITY.md P5).
 */
export class KeyStateService {
  constructor(
    private readonly keys: KeyRepository,
    private readonly history: KeyTransitionRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  /** Moves one key to `to`; undefined when it is already there, gone, or not in `expectedFrom`. */
  transition(id: number, to: KeyState, details: TransitionDetails): RecordedTransition | undefined {
    return this.transitionMany([{ id, to, ...details }])[0]
  }

  /** Many transitions in one transaction, announced once. */
  transitionMany(requests: readonly TransitionRequest[]): RecordedTransition[] {
    const at = this.clock.now()
    const recorded = this.keys.transaction(() =>
      requests.flatMap((request) => this.record(request, at) ?? []),
    )
    this.publish(recorded)
    return recorded
  }

  /** A user's enable/disable/reset, decided by the state machine and recorded here. */
  applyUserAction(keys: readonly KeyStatusRecord[], action: UserAction): RecordedTransition[] {
    const now = this.clock.now()
    const requests: TransitionRequest[] = []
    for (const key of keys) {
      const decision = decideKeyState(key, { source: 'user', action }, { now })
      if (!decision.changed) continue
      requests.push({
        id: key.id,
        to: decision.to,
        reason: decision.reason,
        expectedFrom: decision.from,
        cooldownUntil: decision.cooldownUntil,
        resetFailures: decision.resetsFailures,
      })
    }
    return this.transitionMany(requests)
  }

  private record(request: TransitionRequest, at: number): RecordedTransition | undefined {
    const from = request.expectedFrom ?? this.keys.status(request.id)?.state
    if (from === undefined || from === request.to) return undefined
    const reason = redact(request.reason) || request.to
    const cooldownUntil = request.to === 'cooling' ? (request.cooldownUntil ?? null) : null
    const providerId = this.keys.applyState(
      request.id,
      {
        from,
        to: request.to,
        reason,
        cooldownUntil,
        resetFailures: request.resetFailures ?? false,
      },
      at,
    )
    if (providerId === undefined) return undefined
    const message = request.message ? redact(request.message) : null
    this.history.insert({
      keyId: request.id,
      at,
      from,
      to: request.to,
      reason,
      httpStatus: request.httpStatus ?? null,
      message,
    })
    return { id: request.id, providerId, from, to: request.to, reason, at, cooldownUntil }
  }

  private publish(recorded: readonly RecordedTransition[]): void {
    if (recorded.length === 0) return
    if (recorded.length <= DETAILED_EVENT_LIMIT) {
      for (const change of recorded) {
        this.events.emit('key.stateChanged', {
          id: change.id,
          providerId: change.providerId,
          from: change.from,
          to: change.to,
          reason: change.reason,
          cooldownUntil:
            change.cooldownUntil === null ? null : new Date(change.cooldownUntil).toISOString(),
        })
      }
    }
    this.events.emit(
      'keys.changed',
      recorded.length <= CHANGED_IDS_LIMIT ? { ids: recorded.map((change) => change.id) } : {},
    )
  }
}
