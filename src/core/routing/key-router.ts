import type { Provider } from '../../shared/contract/providers'
import type { Settings } from '../../shared/contract/settings'
import type { Clock } from '../clock'
import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import {
  type HeaderBag,
  type KeyDecision,
  KeyPool,
  type KeyTransition,
  type PoolKey,
  type RandomSource,
  readHeadroom,
  type StateCounts,
  type UpstreamOutcome,
} from '../pool'
import type { KeyStateService } from '../services/key-state-service'
import type { KeyService } from '../services/key-service'
import { UpstreamSecretCache } from './upstream-secret-cache'
import type { UsageBatchWriter } from './usage-batch-writer'

/** The key one attempt goes out with. */
export interface RouteTarget {
  keyId: number
  secret: string
  /** The provider's base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string
  providerId: number
}

export interface NoRoute {
  error: 'no_available_key'
  /** Seconds until the soonest cooling key comes back; null when none is cooling. */
  retryAfterSeconds: number | null
}

export interface RouteOptions {
  /** The sub-key's provider restriction; null or undefined: any enabled provider. */
  providerId?: number | null
  /**
   * Keys this request already tried; keys that cannot be read are added to it (made when absent,
   * for the caller to keep).
   */
  exclude?: Set<number> | undefined
}

export interface KeyRouterDependencies {
  keys: Pick<KeyService, 'routingKeys' | 'readSecret'>
  states: Pick<KeyStateService, 'transition'>
  providers: () => readonly Provider[]
  settings: () => Settings
  events: EventBus
  clock: Clock
  logger: Logger
  usage: UsageBatchWriter
  random?: RandomSource
  /** How often cooling keys are checked for the end of their rest. */
  expireIntervalMs?: number
}

/**
 * The routing state of the proxy: the in-memory `KeyPool`, kept in step with the store through
 * the event bus, plus the decrypted secrets and provider base URLs it needs, so that choosing a
 * key and learning from an answer never reads the database (ARCHITECTURE "The hot path"). Pool
 * transitions are persisted through `KeyStateService` with `expectedFrom`, which records each one
 * exactly once however many requests saw the same failure (SECURITY P5).
 */
export class KeyRouter {
  private readonly pool: KeyPool
  private readonly secrets: UpstreamSecretCache
  private providers: Provider[] = []
  /** Each enabled provider as a list of one: what a sub-key bound to it routes over. */
  private providerById = new Map<number, readonly Provider[]>()
  private readonly unsubscribe: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  /** Our own transition is being stored: the events it raises describe what the pool holds. */
  private persisting = false

  constructor(private readonly deps: KeyRouterDependencies) {
    this.pool = new KeyPool({
      strategy: deps.settings().routing.strategy,
      random: deps.random,
      onTransition: (key, transition) => this.persist(key, transition),
    })
    this.secrets = new UpstreamSecretCache((id) => deps.keys.readSecret(id), deps.logger)
  }

  /** Loads every key and provider, follows changes, and starts the cooldown timer. */
  start(): void {
    const { events } = this.deps
    this.setProviders(this.deps.providers())
    this.pool.load(this.deps.keys.routingKeys())
    this.unsubscribe.push(
      events.on('keys.changed', ({ ids }) => this.reload(ids)),
      events.on('key.stateChanged', (change) => {
        if (this.persisting) return
        const entry = this.pool.get(change.id)
        if (!entry || entry.state === change.to) return
        this.pool.upsert({
          ...entry,
          state: change.to,
          cooldownUntil: change.cooldownUntil === null ? null : Date.parse(change.cooldownUntil),
        })
      }),
      events.on('providers.changed', (list) => this.setProviders(list)),
      events.on('settings.changed', (settings) => this.pool.setStrategy(settings.routing.strategy)),
    )
    this.timer = setInterval(
      () => this.pool.expireCooldowns(this.deps.clock.now()),
      this.deps.expireIntervalMs ?? 1_000,
    )
    this.timer.unref()
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off()
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** A key for one attempt, or why there is none. Memory only, except a first secret read. */
  choose(model: string | null | undefined, options: RouteOptions): RouteTarget | NoRoute {
    const now = this.deps.clock.now()
    const wanted = model ?? undefined
    const candidates = this.candidateProviders(options.providerId)
    for (const provider of candidates) {
      for (;;) {
        const key = this.pool.choose(provider.id, wanted, { now, exclude: options.exclude })
        if (!key) break
        const secret = this.secrets.get(key.id)
        if (secret === undefined) {
          ;(options.exclude ??= new Set()).add(key.id)
          continue
        }
        return { keyId: key.id, secret, baseUrl: provider.baseUrl, providerId: provider.id }
      }
    }
    return this.noRoute(model, options.providerId)
  }

  /** Why no key can take a request now, with the soonest time one comes back. */
  noRoute(model: string | null | undefined, providerId?: number | null): NoRoute {
    const now = this.deps.clock.now()
    let soonest: number | null = null
    for (const provider of this.candidateProviders(providerId)) {
      const end = this.pool.soonestCooldownEnd(provider.id, model ?? undefined)
      if (end !== null && (soonest === null || end < soonest)) soonest = end
    }
    return {
      error: 'no_available_key',
      retryAfterSeconds: soonest === null ? null : Math.max(1, Math.ceil((soonest - now) / 1_000)),
    }
  }

  /**
   * Learns from one attempt's answer: the state machine decides (and the pool persists any
   * transition), the headroom headers feed the `headroom` strategy, and the key's counters are
   * queued for the next batch. Returns the decision (whether to try another key). `now` is the
   * caller's when it has just read the clock for the same answer.
   */
  report(
    keyId: number,
    outcome: UpstreamOutcome,
    headers?: HeaderBag,
    now: number = this.deps.clock.now(),
  ): KeyDecision | undefined {
    const { cooldownBaseMs, cooldownMaxMs } = this.deps.settings().routing
    const decision = this.pool.observe(
      keyId,
      { source: 'traffic', outcome },
      { now, settings: { cooldownBaseMs, cooldownMaxMs } },
    )
    // Only the `headroom` strategy reads them; a switch to it learns them from the next answers.
    if (headers && this.pool.strategyName === 'headroom') {
      const headroom = readHeadroom(headers)
      this.pool.recordHeadroom(keyId, headroom.remainingRequests, headroom.remainingTokens)
    }
    const failed = decision?.countsAsFailure ?? false
    this.deps.usage.addKey(keyId, {
      requests: 1,
      successes: outcome.kind === 'success' ? 1 : 0,
      failures: failed ? 1 : 0,
      tokens: 0,
      consecutiveFailures: this.pool.get(keyId)?.consecutiveFailures ?? 0,
      lastUsedAt: now,
      lastError: failed ? outcome.detail : null,
    })
    return decision
  }

  /** Tokens a request used on a key, counted once its usage is known. */
  addTokens(keyId: number, tokens: number): void {
    if (tokens <= 0) return
    this.deps.usage.addKey(keyId, {
      requests: 0,
      successes: 0,
      failures: 0,
      tokens,
      consecutiveFailures: this.pool.get(keyId)?.consecutiveFailures ?? 0,
      lastUsedAt: 0,
    })
  }

  counts(providerId?: number): StateCounts {
    return this.pool.counts(providerId)
  }

  get strategy(): Settings['routing']['strategy'] {
    return this.pool.strategyName
  }

  /** The pool's view of one key (tests and diagnostics). */
  key(id: number): Readonly<PoolKey> | undefined {
    return this.pool.get(id)
  }

  private candidateProviders(providerId: number | null | undefined): readonly Provider[] {
    if (providerId === null || providerId === undefined) return this.providers
    return this.providerById.get(providerId) ?? []
  }

  private setProviders(list: readonly Provider[]): void {
    this.providers = list
      .filter((provider) => provider.enabled)
      .map((provider) => ({ ...provider, baseUrl: provider.baseUrl.replace(/\/+$/, '') }))
      .sort((a, b) => a.id - b.id)
    this.providerById = new Map(this.providers.map((provider) => [provider.id, [provider]]))
  }

  /** Mirrors keys from the store; all of them (and no cached secret) when `ids` is absent. */
  private reload(ids: readonly number[] | undefined): void {
    if (this.persisting) return
    if (ids === undefined) {
      this.secrets.clear()
      const keys = this.deps.keys.routingKeys()
      this.pool.load(keys.map((key) => this.keepLiveFields(key)))
      return
    }
    if (ids.length === 0) return
    const found = new Set<number>()
    for (const key of this.deps.keys.routingKeys(ids)) {
      found.add(key.id)
      this.pool.upsert(this.keepLiveFields(key))
    }
    for (const id of ids) {
      if (found.has(id)) continue
      this.pool.remove(id)
      this.secrets.drop(id)
    }
  }

  /**
   * The failure streak lives in memory and reaches the store only with the next batch: a stored
   * count is older unless a transition just reset it.
   */
  private keepLiveFields(key: PoolKey): PoolKey {
    const live = this.pool.get(key.id)
    if (!live || (key.consecutiveFailures === 0 && key.state !== live.state)) return key
    return { ...key, consecutiveFailures: live.consecutiveFailures }
  }

  private persist(key: Readonly<PoolKey>, transition: KeyTransition): void {
    this.persisting = true
    let recorded: unknown
    try {
      recorded = this.deps.states.transition(key.id, transition.to, {
        reason: transition.reason,
        httpStatus: transition.status,
        expectedFrom: transition.from,
        cooldownUntil: transition.cooldownUntil,
        resetFailures: transition.resetsFailures,
      })
    } catch (error) {
      this.deps.logger.error('a key state change could not be stored', {
        keyId: key.id,
        error: error instanceof Error ? error.message : String(error),
      })
    } finally {
      this.persisting = false
    }
    // The store disagreed (someone else moved the key first): take its state.
    if (recorded === undefined) this.reload([key.id])
  }
}
