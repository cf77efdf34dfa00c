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
  /** Every key of the pool, from its picker. */
  private readonly keys = new Set<string>()
  /** When each key answered 429 (`Retry-After: 1`). */
  private readonly rateLimitedAt = new Map<string, number[]>()
  /** When a revoked key first answered 401: the proxy marks it invalid for good on that answer. */
  private readonly revokedAt = new Map<string, number>()
  /** When the admin API had a key off: from sending the disable to the enable's answer. */
  private readonly offWindows = new Map<string, { from: number; to: number }[]>()

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
    this.keys.add(plan.secret)
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
      if (kind === 'unauthorized' && !this.revokedAt.has(plan.secret)) {
        this.revokedAt.set(plan.secret, now)
      }
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

  /** The admin API is about to disable `secret` (the proxy may act before its answer arrives). */
  disabling(secret: string, at: number): void {
    const windows = this.offWindows.get(secret)
    const window = { from: at, to: Number.POSITIVE_INFINITY }
    if (windows) windows.push(window)
    else this.offWindows.set(secret, [window])
  }

  /** The admin API answered the enable of `secret`: the key is the pool's again. */
  enabled(secret: string, at: number): void {
    const window = this.offWindows.get(secret)?.at(-1)
    if (window) window.to = at
  }

  /**
   * Whether every key the pool could use was resting after a 429 at some point of a request that
   * ran from `from` to `to`: the one case where `no_available_key` before any attempt is right.
   * With a 2% share of 429s and a 1 s rest each, all keys rest at once now and then: a key back
   * from its rest takes every waiting client at once and soon draws another 429, so such a spell
   * can last seconds. Out of the pool, and so not waited for: a revoked key once it answered 401,
   * a key while the admin API had it disabled. Every other key must have answered a 429 within its
   * rest (1 s, plus 200 ms for the answer to reach the proxy) before `to`.
   */
  allResting(from: number, to: number): boolean {
    const rest = 1_200
    let usable = 0
    for (const secret of this.keys) {
      if (this.outOfPool(secret, from, to)) continue
      usable++
      if (!this.rateLimitedBetween(secret, from - rest, to)) return false
    }
    return usable > 0
  }

  /** The times are in order: look back from the newest (a storm asks this thousands of times). */
  private rateLimitedBetween(secret: string, from: number, to: number): boolean {
    const times = this.rateLimitedAt.get(secret) ?? []
    for (let i = times.length - 1; i >= 0 && (times[i] as number) >= from; i--) {
      if ((times[i] as number) <= to) return true
    }
    return false
  }

  private outOfPool(secret: string, from: number, to: number): boolean {
    const revoked = this.revokedAt.get(secret)
    if (revoked !== undefined && revoked <= to) return true
    const windows = this.offWindows.get(secret) ?? []
    return windows.some((window) => window.from <= to && window.to >= from)
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
