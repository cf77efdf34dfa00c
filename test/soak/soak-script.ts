import type { KeyBehaviour, RecordedRequest } from '../support/mock-upstream'
import type { SoakOptions } from './soak-options'

/**
 * The upstream's side of the soak (SECURITY R1): what each upstream key does with each attempt,
 * drawn from a seeded random mix, and the ledger of attempts per client request (the
 * `x-soak-id` header passes through the proxy untouched), from which every client error is
 * explained afterwards.
 */

/** What the mock did with one attempt. */
export type AttemptKind = 'stream' | 'reset' | 'server-error' | 'rate-limit' | 'unauthorized'

/**
 * steady: the random mix all along. revoked: the mix, then 401 for good from `revokeAtMs`.
 * disabled / reenabled: the mix; the admin API disables (and re-enables) them at fixed times.
 */
export type KeyRole = 'steady' | 'revoked' | 'disabled' | 'reenabled'

export interface KeyPlan {
  secret: string
  role: KeyRole
  /** For `revoked`: ms after the load starts. */
  revokeAtMs?: number
}

export interface Attempt {
  key: string
  kind: AttemptKind
}

/** Shares of the mix on a live key; the rest streams normally. */
export const MIX = {
  reset: 0.05,
  serverError: 0.04,
  rateLimit: 0.02,
} as const

export const STEADY_KEYS = 10

/** The pool: steady keys, three revoked at 25/50/75 % of the load, two for the admin API. */
export function planKeys(durationMs: number): KeyPlan[] {
  // Serial numbers as the last 4 characters: unique, so the key list can find each one.
  let serial = 1000
  const secret = (role: string): string => `sk-soak-${role}-${'s'.repeat(24)}${serial++}`
  const plans: KeyPlan[] = []
  for (let i = 0; i < STEADY_KEYS; i++) plans.push({ secret: secret('steady'), role: 'steady' })
  for (const at of [0.25, 0.5, 0.75]) {
    plans.push({
      secret: secret('revoked'),
      role: 'revoked',
      revokeAtMs: Math.round(durationMs * at),
    })
  }
  plans.push({ secret: secret('disabled'), role: 'disabled' })
  plans.push({ secret: secret('reenabled'), role: 'reenabled' })
  return plans
}

export class SoakScript {
  /** Attempts per client request id, until the request is classified. */
  private readonly attempts = new Map<number, Attempt[]>()
  /** Requests the client is done with: true if it left before the headers. */
  private readonly finished = new Map<number, boolean>()
  readonly byKind: Record<AttemptKind, number> = {
    stream: 0,
    reset: 0,
    'server-error': 0,
    'rate-limit': 0,
    unauthorized: 0,
  }
  /** Attempts that reached the mock for a request the client had already got its answer to. */
  attemptsAfterAnswer = 0
  /**
   * Attempts that reached the mock after their client had left before the headers: the proxy
   * had dispatched them before it saw the disconnect. Not a fault; reported.
   */
  attemptsAfterLeaving = 0
  /** Attempts without an `x-soak-id` (the warm-up's). */
  untagged = 0
  private loadStartedAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly options: SoakOptions,
    private readonly random: () => number,
    private readonly clear: () => void,
  ) {}

  /** Revocation times count from here. */
  start(now: number): void {
    this.loadStartedAt = now
  }

  /** The mock's behaviour picker for one key. */
  picker(plan: KeyPlan): (record: RecordedRequest) => KeyBehaviour {
    return (record) => {
      // Only the header is needed: keep the mock's request list from growing for 10 minutes.
      this.clear()
      const id = Number(record.headers['x-soak-id'])
      // The warm-up before the load (no id) is answered plainly: it must not cool or cut.
      if (!Number.isInteger(id)) {
        this.untagged++
        return 'ok'
      }
      const kind = this.choose(plan)
      this.byKind[kind]++
      const left = this.finished.get(id)
      if (left === true) this.attemptsAfterLeaving++
      else if (left === false) this.attemptsAfterAnswer++
      else {
        const list = this.attempts.get(id)
        const attempt = { key: plan.secret, kind }
        if (list) list.push(attempt)
        else this.attempts.set(id, [attempt])
      }
      return this.behaviour(kind)
    }
  }

  /**
   * The attempts of a request the client has finished with. Later ones are a fault (a retry after
   * the answer started) unless the client left before the headers.
   */
  take(id: number, leftBeforeHeaders: boolean): Attempt[] {
    const list = this.attempts.get(id) ?? []
    this.attempts.delete(id)
    this.finished.set(id, leftBeforeHeaders)
    return list
  }

  private choose(plan: KeyPlan): AttemptKind {
    if (plan.revokeAtMs !== undefined && Date.now() - this.loadStartedAt >= plan.revokeAtMs) {
      return 'unauthorized'
    }
    const draw = this.random()
    if (draw < MIX.reset) return 'reset'
    if (draw < MIX.reset + MIX.serverError) return 'server-error'
    if (draw < MIX.reset + MIX.serverError + MIX.rateLimit) return 'rate-limit'
    return 'stream'
  }

  private behaviour(kind: AttemptKind): KeyBehaviour {
    const [low, high] = this.options.chunkIntervalMs
    const intervalMs = low + Math.floor(this.random() * (high - low + 1))
    const firstByteMs = Math.floor(this.random() * (this.options.maxFirstByteMs + 1))
    switch (kind) {
      case 'stream':
        return { kind: 'paced', intervalMs, firstByteMs }
      case 'reset':
        // 0 events: headers only, then the reset. The stream has at least 3 events.
        return {
          kind: 'paced',
          intervalMs,
          firstByteMs,
          resetAfterChunks: Math.floor(this.random() * (this.options.chunks[0] + 1)),
        }
      case 'server-error':
        return 'server-error'
      case 'rate-limit':
        return { kind: 'rate-limit', retryAfterSeconds: 1 }
      case 'unauthorized':
        return 'unauthorized'
    }
  }
}
