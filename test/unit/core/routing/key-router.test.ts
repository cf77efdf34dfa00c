import { afterEach, describe, expect, it } from 'vitest'
import { defaultSettings, type Provider, type Settings } from '../../../../src/shared/contract'
import type { KeyState } from '../../../../src/shared/key-state'
import { EventBus } from '../../../../src/core/events/event-bus'
import { silentLogger } from '../../../../src/core/logger'
import {
  classifyNetworkError,
  classifyUpstreamResponse,
  createPoolKey,
  type PoolKey,
} from '../../../../src/core/pool'
import { KeyRouter, type RouteTarget } from '../../../../src/core/routing/key-router'
import { UsageBatchWriter } from '../../../../src/core/routing/usage-batch-writer'
import type { TransitionDetails } from '../../../../src/core/services/key-state-service'
import { FakeClock } from '../../../support/fake-clock'

interface Stored {
  keys: Map<number, PoolKey>
  transitions: { id: number; to: KeyState; details: TransitionDetails }[]
  secretReads: number[]
}

let router: KeyRouter | undefined
afterEach(() => {
  router?.stop()
  router = undefined
})

function setup(keys: PoolKey[], providers: Provider[] = [provider(1)]) {
  const clock = new FakeClock()
  const events = new EventBus((error) => {
    throw error
  })
  let settings: Settings = defaultSettings
  const stored: Stored = {
    keys: new Map(keys.map((key) => [key.id, key])),
    transitions: [],
    secretReads: [],
  }
  const usage = new UsageBatchWriter(
    { transaction: (work) => work(), writeKeys: () => {}, writeSubKeys: () => {} },
    { logger: silentLogger, intervalMs: 60_000 },
  )
  router = new KeyRouter({
    keys: {
      routingKeys: (ids) =>
        [...stored.keys.values()]
          .filter((key) => ids === undefined || ids.includes(key.id))
          .map((key) => ({ ...key })),
      readSecret: (id) => {
        stored.secretReads.push(id)
        if (id === 99) throw new Error('tampered')
        return stored.keys.has(id) ? `secret-${id}` : undefined
      },
    },
    states: {
      transition: (id, to, details) => {
        const key = stored.keys.get(id)
        if (!key || key.state !== details.expectedFrom) return undefined
        stored.keys.set(id, { ...key, state: to, cooldownUntil: details.cooldownUntil ?? null })
        stored.transitions.push({ id, to, details })
        return {
          id,
          providerId: key.providerId,
          from: key.state,
          to,
          reason: details.reason,
          at: clock.now(),
          cooldownUntil: details.cooldownUntil ?? null,
        }
      },
    },
    providers: () => providers,
    settings: () => settings,
    events,
    clock,
    logger: silentLogger,
    usage,
    expireIntervalMs: 60_000,
  })
  router.start()
  const setSettings = (next: Settings) => {
    settings = next
    events.emit('settings.changed', next)
  }
  return { router, clock, events, stored, usage, setSettings }
}

function provider(id: number, enabled = true): Provider {
  return { id, name: `p${id}`, baseUrl: `http://upstream-${id}.test/v1/`, enabled }
}

const pick = (r: KeyRouter, exclude = new Set<number>()) => r.choose('gpt-4o-mini', { exclude })
const keyIdOf = (route: ReturnType<KeyRouter['choose']>) => (route as RouteTarget).keyId

describe('KeyRouter', () => {
  it('rotates over active keys of enabled providers, with their secret and base URL', () => {
    const { router } = setup(
      [
        createPoolKey({ id: 1, providerId: 1 }),
        createPoolKey({ id: 2, providerId: 1 }),
        createPoolKey({ id: 3, providerId: 1, state: 'invalid' }),
        createPoolKey({ id: 4, providerId: 2 }),
      ],
      [provider(1), provider(2, false)],
    )
    const picks = Array.from({ length: 4 }, () => pick(router))
    expect(picks.map(keyIdOf)).toEqual([1, 2, 1, 2])
    expect(picks[0]).toEqual({
      keyId: 1,
      secret: 'secret-1',
      baseUrl: 'http://upstream-1.test/v1',
      providerId: 1,
    })
    expect(router.choose(null, { exclude: new Set([1, 2]) })).toEqual({
      error: 'no_available_key',
      retryAfterSeconds: null,
    })
  })

  it('persists one transition for repeated identical failures (P5)', () => {
    const { router, stored, clock } = setup([
      createPoolKey({ id: 1, providerId: 1 }),
      createPoolKey({ id: 2, providerId: 1 }),
    ])
    const unauthorized = classifyUpstreamResponse(
      401,
      undefined,
      { error: { code: 'invalid_api_key' } },
      clock.now(),
    )
    for (let i = 0; i < 5; i++) router.report(1, unauthorized)
    expect(stored.transitions).toHaveLength(1)
    expect(stored.transitions[0]).toMatchObject({
      id: 1,
      to: 'invalid',
      details: { expectedFrom: 'active', httpStatus: 401 },
    })
    expect([pick(router), pick(router)].map(keyIdOf)).toEqual([2, 2])
  })

  it('rests a rate-limited key, reports when it comes back, and brings it back on time', () => {
    const { router, stored, clock } = setup([createPoolKey({ id: 1, providerId: 1 })])
    const limited = classifyUpstreamResponse(
      429,
      { 'retry-after': '20' },
      { error: { code: 'rate_limit_exceeded' } },
      clock.now(),
    )
    expect(router.report(1, limited)?.retryOtherKey).toBe(true)
    expect(router.key(1)?.state).toBe('cooling')
    expect(pick(router)).toEqual({ error: 'no_available_key', retryAfterSeconds: 20 })
    clock.advance(20_000)
    expect(keyIdOf(pick(router))).toBe(1)
    expect(stored.transitions.map((t) => t.to)).toEqual(['cooling', 'active'])
  })

  it('never changes state on network errors or 5xx, only counts them', () => {
    const { router, stored, usage } = setup([createPoolKey({ id: 1, providerId: 1 })])
    router.report(1, classifyNetworkError('timeout'))
    router.report(1, classifyUpstreamResponse(503, undefined, null, 0))
    expect(router.key(1)?.state).toBe('active')
    expect(router.key(1)?.consecutiveFailures).toBe(2)
    expect(stored.transitions).toHaveLength(0)
    expect(usage.pending).toBe(1)
  })

  it('follows keys.changed: edits, deletions (dropping the secret) and full reloads', () => {
    const { router, stored, events } = setup([
      createPoolKey({ id: 1, providerId: 1 }),
      createPoolKey({ id: 2, providerId: 1 }),
    ])
    pick(router)
    pick(router)
    expect(stored.secretReads).toEqual([1, 2])
    stored.keys.delete(1)
    stored.keys.set(3, createPoolKey({ id: 3, providerId: 1 }))
    events.emit('keys.changed', { ids: [1, 3] })
    expect(router.key(1)).toBeUndefined()
    expect(new Set([pick(router), pick(router)].map(keyIdOf))).toEqual(new Set([2, 3]))
    stored.keys.set(2, { ...stored.keys.get(2)!, state: 'disabled' })
    events.emit('keys.changed', {})
    expect(router.counts()).toMatchObject({ active: 1, disabled: 1, total: 2 })
  })

  it('skips a key whose secret cannot be read', () => {
    const { router } = setup([
      createPoolKey({ id: 99, providerId: 1 }),
      createPoolKey({ id: 2, providerId: 1 }),
    ])
    const exclude = new Set<number>()
    expect(keyIdOf(router.choose(undefined, { exclude }))).toBe(2)
    expect(exclude.has(99)).toBe(true)
  })

  it('makes the exclusion set when the caller passed none, for the next attempt to keep', () => {
    const { router } = setup([
      createPoolKey({ id: 99, providerId: 1 }),
      createPoolKey({ id: 2, providerId: 1 }),
    ])
    const options: { exclude?: Set<number> } = {}
    expect(keyIdOf(router.choose(undefined, options))).toBe(2)
    expect([...options.exclude!]).toEqual([99])
  })

  it('follows the routing strategy setting', () => {
    const { router, setSettings } = setup([createPoolKey({ id: 1, providerId: 1 })])
    setSettings({
      ...defaultSettings,
      routing: { ...defaultSettings.routing, strategy: 'headroom' },
    })
    expect(router.strategy).toBe('headroom')
  })

  it('keeps the answers’ headroom for the headroom strategy only', () => {
    const { router, setSettings } = setup([createPoolKey({ id: 1, providerId: 1 })])
    const headers = {
      'x-ratelimit-remaining-requests': '42',
      'x-ratelimit-remaining-tokens': '900',
    }
    const success = classifyUpstreamResponse(200, headers, null, 0)
    router.report(1, success, headers)
    expect(router.key(1)?.remainingRequests).toBeNull()
    setSettings({
      ...defaultSettings,
      routing: { ...defaultSettings.routing, strategy: 'headroom' },
    })
    router.report(1, success, headers)
    expect(router.key(1)).toMatchObject({ remainingRequests: 42, remainingTokens: 900 })
  })
})
