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
  /** The steady keys: never revoked or disabled, so always the pool's to use. */
  private readonly steady = new Set<string>()
  /** When each key answered 429 (`Retry-After: 1`), and last answered anything but 401. */
  private readonly rateLimitedAt = new Map<string, number[]>()
  private readonly answeredAt = new Map<string, number>()

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
    if (plan.role === 'steady') this.steady.add(plan.secret)
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
      const now = Date.now()
      if (kind !== 'unauthorized') this.answeredAt.set(plan.secret, now)
      if (kind === 'rate-limit') {
        const times = this.rateLimitedAt.get(plan.secret)
        if (times) times.push(now)
        else this.rateLimitedAt.set(plan.secret, [now])
      }
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

  /**
   * Whether every key the pool could use was resting after a 429 at some point of a request that
   * ran from `from` to `to`: the one case where `no_available_key` before any attempt is right.
   * With a 2% share of 429s and a 1 s rest each, all keys rest at once now and then, and more
   * often the faster the proxy. The keys are the steady ones and any other key that answered
   * (not 401) in the 5 s before; each must have answered a 429 within its rest (1 s, plus 200 ms
   * for the answer to reach the proxy) before `to`.
   */
  allResting(from: number, to: number): boolean {
    const rest = 1_200
    const keys = new Set(this.steady)
    for (const [secret, at] of this.answeredAt) if (at >= from - 5_000) keys.add(secret)
    for (const secret of keys) {
      const times = this.rateLimitedAt.get(secret) ?? []
      if (!times.some((at) => at >= from - rest && at <= to)) return false
    }
    return keys.size > 0
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
