import type { RoutingStrategy } from '../../shared/contract/settings'
import type { KeyDecision, KeyEvent, KeyTransition } from './key-event'
import { type DecisionContext, decideKeyState } from './key-state-machine'
import type { PoolKey } from './pool-key'
import { emptyCounts, ProviderKeys, type StateCounts } from './provider-keys'
import { createSelectionStrategy } from './selection/create-strategy'
import type { SelectionStrategy } from './selection/selection-strategy'
import type { RandomSource } from './selection/weighted-random'

/** Called once per state change the pool applies: the one place to persist and publish it. */
export type TransitionListener = (key: Readonly<PoolKey>, transition: KeyTransition) => void

export interface KeyPoolOptions {
  strategy?: RoutingStrategy
  random?: RandomSource
  onTransition?: TransitionListener
}

export interface ChooseOptions {
  now: number
  /** Keys this request already tried (failover). */
  exclude?: ReadonlySet<number>
}

/**
 * Every upstream key in memory, indexed per provider: the hot path chooses a key without I/O
 * (ARCHITECTURE "The hot path"). The store stays the source of truth; the owner loads it here,
 * mirrors edits with `upsert`/`remove`, and persists what `onTransition` reports.
 */
export class KeyPool {
  private readonly entries = new Map<number, PoolKey>()
  private readonly providers = new Map<number, ProviderKeys>()
  private readonly random: RandomSource
  private readonly onTransition: TransitionListener | undefined
  private strategy: SelectionStrategy

  constructor(options: KeyPoolOptions = {}) {
    this.random = options.random ?? Math.random
    this.onTransition = options.onTransition
    this.strategy = createSelectionStrategy(options.strategy ?? 'round-robin', this.random)
  }

  get strategyName(): RoutingStrategy {
    return this.strategy.name
  }

  get size(): number {
    return this.entries.size
  }

  /** Replaces the whole pool (at start, or after a restore). */
  load(keys: Iterable<PoolKey>): void {
    this.entries.clear()
    this.providers.clear()
    for (const key of keys) this.upsert(key)
  }

  /**
   * Adds a key or mirrors an edit of it; model names are stored in lower case. Headroom the
   * incoming key does not know (null) and a later `lastUsedAt` are kept: they live only here.
   */
  upsert(key: PoolKey): void {
    const models = key.models && new Set([...key.models].map((model) => model.toLowerCase()))
    const entry = this.entries.get(key.id)
    if (!entry) {
      const fresh = { ...key, models }
      this.entries.set(key.id, fresh)
      this.provider(key.providerId).add(fresh)
      return
    }
    const sameProvider = entry.providerId === key.providerId
    const from = this.provider(entry.providerId)
    if (sameProvider) from.leave(entry)
    else from.delete(entry)
    Object.assign(entry, {
      ...key,
      models,
      lastUsedAt: Math.max(key.lastUsedAt, entry.lastUsedAt),
      remainingRequests: key.remainingRequests ?? entry.remainingRequests,
      remainingTokens: key.remainingTokens ?? entry.remainingTokens,
    })
    if (sameProvider) from.enter(entry)
    else this.provider(entry.providerId).add(entry)
  }

  remove(id: number): boolean {
    const entry = this.entries.get(id)
    if (!entry) return false
    this.entries.delete(id)
    this.provider(entry.providerId).delete(entry)
    return true
  }

  get(id: number): Readonly<PoolKey> | undefined {
    return this.entries.get(id)
  }

  /** Switches strategy; the same name keeps its rotation where it is. */
  setStrategy(name: RoutingStrategy): void {
    if (name !== this.strategy.name) this.strategy = createSelectionStrategy(name, this.random)
  }

  /**
   * The key for one request, or undefined when none of the provider's active keys serves `model`
   * (unknown capability maps accept any model). Cooling keys whose rest is over come back first.
   * The chosen key is marked used and one request of its headroom is reserved, so a burst of
   * concurrent picks spreads before any response headers arrive.
   */
  choose(
    providerId: number,
    model: string | undefined,
    options: ChooseOptions,
  ): Readonly<PoolKey> | undefined {
    const provider = this.providers.get(providerId)
    if (!provider) return undefined
    this.expire(provider, options.now)
    const wanted = model?.toLowerCase()
    const exclude = options.exclude
    const key = this.strategy.pick(
      provider.routable(),
      (candidate) =>
        candidate.state === 'active' &&
        !exclude?.has(candidate.id) &&
        (wanted === undefined || candidate.models === null || candidate.models.has(wanted)),
      providerId,
    )
    if (!key) return undefined
    key.lastUsedAt = Math.max(key.lastUsedAt, options.now)
    if (key.remainingRequests !== null && key.remainingRequests > 0) key.remainingRequests--
    return key
  }

  /** Brings back every cooling key whose rest is over; run on a timer so idle pools heal too. */
  expireCooldowns(now: number): number {
    let count = 0
    for (const provider of this.providers.values()) count += this.expire(provider, now)
    return count
  }

  /** When a key of the provider (serving `model`) comes back: `Retry-After` of `no_available_key`. */
  soonestCooldownEnd(providerId: number, model?: string): number | null {
    return this.providers.get(providerId)?.soonestCooldownEnd(model) ?? null
  }

  counts(providerId?: number): StateCounts {
    if (providerId !== undefined)
      return { ...(this.providers.get(providerId)?.counts ?? emptyCounts()) }
    const total = emptyCounts()
    for (const provider of this.providers.values()) {
      for (const name of Object.keys(total) as (keyof StateCounts)[])
        total[name] += provider.counts[name]
    }
    return total
  }

  /** The `x-ratelimit-remaining-*` of a response; null (not reported) keeps the last value. */
  recordHeadroom(
    id: number,
    remainingRequests: number | null,
    remainingTokens: number | null,
  ): void {
    const entry = this.entries.get(id)
    if (!entry) return
    if (remainingRequests !== null) entry.remainingRequests = remainingRequests
    if (remainingTokens !== null) entry.remainingTokens = remainingTokens
  }

  markUsed(id: number, now: number): void {
    const entry = this.entries.get(id)
    if (entry) entry.lastUsedAt = Math.max(entry.lastUsedAt, now)
  }

  /**
   * Applies a decision to the in-memory key. A transition is applied only if the key is still in
   * its `from` state, so a decision made from a stale snapshot cannot record a second transition.
   * Returns whether the state changed (and `onTransition` was called).
   */
  applyDecision(id: number, decision: KeyDecision): boolean {
    const entry = this.entries.get(id)
    if (!entry) return false
    if (decision.resetsFailures) entry.consecutiveFailures = 0
    if (decision.countsAsFailure) entry.consecutiveFailures++
    if (!decision.changed || decision.from !== entry.state) return false
    const provider = this.provider(entry.providerId)
    provider.leave(entry)
    entry.state = decision.to
    entry.cooldownUntil = decision.cooldownUntil
    provider.enter(entry)
    this.onTransition?.(entry, decision)
    return true
  }

  /** Decides and applies in one step, against the key's current state: the usual entry point. */
  observe(id: number, event: KeyEvent, context: DecisionContext): KeyDecision | undefined {
    const entry = this.entries.get(id)
    if (!entry) return undefined
    const decision = decideKeyState(entry, event, context)
    this.applyDecision(id, decision)
    return decision
  }

  private expire(provider: ProviderKeys, now: number): number {
    const expired = provider.expiredCooling(now)
    for (const key of expired) this.observe(key.id, { source: 'clock' }, { now })
    return expired.length
  }

  private provider(providerId: number): ProviderKeys {
    let provider = this.providers.get(providerId)
    if (!provider) {
      provider = new ProviderKeys()
      this.providers.set(providerId, provider)
    }
    return provider
  }
}
