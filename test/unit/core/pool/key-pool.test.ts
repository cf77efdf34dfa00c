import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  classifyNetworkError,
  classifyUpstreamResponse,
} from '../../../../src/core/pool/classify-upstream-response'
import type { KeyEvent, KeyTransition } from '../../../../src/core/pool/key-event'
import { KeyPool, type KeyPoolOptions } from '../../../../src/core/pool/key-pool'
import { decideKeyState } from '../../../../src/core/pool/key-state-machine'
import { createPoolKey, type PoolKey } from '../../../../src/core/pool/pool-key'
import { keyStates } from '../../../../src/shared/key-state'
import { FakeClock } from '../../../support/fake-clock'
import { seededRandom } from './seeded-random'

const settings = { cooldownBaseMs: 5_000, cooldownMaxMs: 600_000 }

function setup(keys: Partial<PoolKey>[], options: KeyPoolOptions = {}) {
  const clock = new FakeClock()
  const transitions: { id: number; transition: KeyTransition }[] = []
  const pool = new KeyPool({
    ...options,
    onTransition: (key, transition) => transitions.push({ id: key.id, transition }),
  })
  pool.load(keys.map((fields, i) => createPoolKey({ id: i + 1, providerId: 1, ...fields })))
  const choose = (model?: string, exclude?: Set<number>) =>
    pool.choose(1, model, { now: clock.now(), exclude })?.id
  const traffic = (status: number, body?: unknown, headers?: Record<string, string>): KeyEvent => ({
    source: 'traffic',
    outcome: classifyUpstreamResponse(status, headers, body, clock.now()),
  })
  const observe = (id: number, event: KeyEvent) =>
    pool.observe(id, event, { now: clock.now(), settings })
  return { clock, pool, transitions, choose, traffic, observe }
}

describe('KeyPool.choose', () => {
  it('round-robins 10 keys × 1,000 requests to exactly 100 each', () => {
    const { choose } = setup(Array(10).fill({}))
    const counts = new Map<number, number>()
    for (let i = 0; i < 1_000; i++) {
      const id = choose('gpt-4o') as number
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    expect([...counts.values()]).toEqual(Array(10).fill(100))
  })

  it('considers active keys only', () => {
    const later = Number.MAX_SAFE_INTEGER
    const { choose } = setup(
      keyStates.map((state) => ({ state, cooldownUntil: state === 'cooling' ? later : null })),
    )
    expect(new Set([1, 2, 3, 4].map(() => choose()))).toEqual(new Set([1]))
  })

  it('restricts to keys whose known model list has the model, case-insensitively', () => {
    const { choose } = setup([
      { models: new Set(['GPT-4o', 'gpt-4o-mini']) },
      { models: new Set(['text-embedding-3-small']) },
      { models: null },
    ])
    expect(new Set([1, 2, 3, 4].map(() => choose('gpt-4O')))).toEqual(new Set([1, 3]))
    expect(new Set([1, 2, 3].map(() => choose('TEXT-embedding-3-small')))).toEqual(new Set([2, 3]))
    expect(new Set([1, 2].map(() => choose('o3')))).toEqual(new Set([3]))
    expect(new Set([1, 2, 3].map(() => choose(undefined)))).toEqual(new Set([1, 2, 3]))
  })

  it('skips the keys a request already tried (failover)', () => {
    const { choose } = setup([{}, {}, {}])
    expect(choose(undefined, new Set([1, 2]))).toBe(3)
    expect(choose(undefined, new Set([1, 2]))).toBe(3)
    expect(choose(undefined, new Set([1, 2, 3]))).toBeUndefined()
  })

  it('answers undefined for an unknown provider or an empty pool', () => {
    const { pool } = setup([])
    expect(pool.choose(9, 'gpt-4o', { now: 0 })).toBeUndefined()
    expect(pool.soonestCooldownEnd(9)).toBeNull()
  })

  it('marks the chosen key used and reserves one request of headroom', () => {
    const { pool, clock, choose } = setup([{ remainingRequests: 2 }])
    clock.advance(5)
    choose()
    choose()
    choose()
    expect(pool.get(1)).toMatchObject({ lastUsedAt: clock.now(), remainingRequests: 0 })
    pool.recordHeadroom(1, 499, null)
    pool.recordHeadroom(1, null, 9_000)
    expect(pool.get(1)).toMatchObject({ remainingRequests: 499, remainingTokens: 9_000 })
    pool.markUsed(1, 1)
    expect(pool.get(1)?.lastUsedAt).toBe(clock.now())
  })

  it('switches strategy at run time', () => {
    const { pool, choose } = setup([{ lastUsedAt: 10 }, { lastUsedAt: 5 }, { lastUsedAt: 1 }])
    pool.setStrategy('least-recently-used')
    expect(pool.strategyName).toBe('least-recently-used')
    expect([choose(), choose(), choose()]).toEqual([3, 2, 1])
  })

  it('spreads a burst of LRU picks in the same millisecond', () => {
    const { pool, choose } = setup([{}, {}, {}], { strategy: 'least-recently-used' })
    expect(pool.strategyName).toBe('least-recently-used')
    expect([1, 2, 3, 4, 5, 6].map(() => choose())).toEqual([1, 2, 3, 1, 2, 3])
  })

  it('weighted-random follows the weights with an injected random source', () => {
    const { choose } = setup([{ weight: 1 }, { weight: 3 }], {
      strategy: 'weighted-random',
      random: seededRandom(1),
    })
    const picks = Array.from({ length: 20_000 }, () => choose())
    expect(picks.filter((id) => id === 2).length / 20_000).toBeCloseTo(0.75, 1)
  })

  it('headroom prefers the key with most room, as reported after each response', () => {
    const { pool, choose } = setup([{}, {}, {}], { strategy: 'headroom' })
    pool.recordHeadroom(1, 100, 10_000)
    pool.recordHeadroom(2, 900, 10_000)
    pool.recordHeadroom(3, 900, 90_000)
    expect(choose()).toBe(3)
  })
})

describe('KeyPool transitions', () => {
  it('a rate-limited key leaves the rotation and comes back when its cooldown ends', () => {
    const { pool, clock, choose, observe, traffic, transitions } = setup([{}, {}])
    expect(observe(1, traffic(429, undefined, { 'retry-after': '30' }))).toMatchObject({
      to: 'cooling',
    })
    expect(pool.counts()).toMatchObject({ active: 1, cooling: 1 })
    expect(new Set([choose(), choose(), choose()])).toEqual(new Set([2]))
    clock.advance(29_999)
    expect(choose(undefined, new Set([2]))).toBeUndefined()
    clock.advance(1)
    expect(choose(undefined, new Set([2]))).toBe(1)
    expect(pool.get(1)).toMatchObject({ state: 'active', cooldownUntil: null })
    expect(transitions.map(({ transition: t }) => `${t.from}→${t.to}`)).toEqual([
      'active→cooling',
      'cooling→active',
    ])
  })

  it('no usable key: undefined, and the soonest cooldown end for Retry-After', () => {
    const { pool, clock, choose, observe, traffic } = setup([
      { models: new Set(['gpt-4o']) },
      { models: new Set(['o3']) },
      { state: 'invalid' },
    ])
    const start = clock.now()
    observe(1, traffic(429, undefined, { 'retry-after': '60' }))
    observe(2, traffic(429, undefined, { 'retry-after': '10' }))
    expect(choose('gpt-4o')).toBeUndefined()
    expect(pool.soonestCooldownEnd(1)).toBe(start + 10_000)
    expect(pool.soonestCooldownEnd(1, 'GPT-4o')).toBe(start + 60_000)
    expect(pool.soonestCooldownEnd(1, 'unknown-model')).toBeNull()
  })

  it('100 parallel 401s on one key make one transition and one record (SECURITY P5)', () => {
    const { pool, observe, traffic, transitions } = setup([{}, {}])
    const decisions = Array.from({ length: 100 }, () => observe(1, traffic(401)))
    expect(decisions.filter((decision) => decision?.changed)).toHaveLength(1)
    expect(transitions).toHaveLength(1)
    expect(pool.get(1)).toMatchObject({ state: 'invalid', consecutiveFailures: 100 })
    expect(decisions.every((decision) => decision?.retryOtherKey)).toBe(true)
  })

  it('ignores a transition decided from a stale snapshot', () => {
    const { pool, clock, traffic, transitions } = setup([{}])
    const snapshot = { ...(pool.get(1) as PoolKey) }
    const first = decideKeyState(snapshot, traffic(401), { now: clock.now() })
    const second = decideKeyState(snapshot, traffic(403), { now: clock.now() })
    expect(pool.applyDecision(1, first)).toBe(true)
    expect(pool.applyDecision(1, second)).toBe(false)
    expect(transitions).toHaveLength(1)
    expect(pool.applyDecision(99, first)).toBe(false)
  })

  it('client errors never count; 5xx and network errors count but never invalidate', () => {
    const { pool, observe, traffic } = setup([{}])
    for (const status of [400, 404, 413, 422]) observe(1, traffic(status))
    expect(pool.get(1)).toMatchObject({ state: 'active', consecutiveFailures: 0 })
    observe(1, traffic(500))
    observe(1, traffic(503))
    observe(1, { source: 'traffic', outcome: classifyNetworkError('timeout') })
    expect(pool.get(1)).toMatchObject({ state: 'active', consecutiveFailures: 3 })
    observe(1, traffic(200))
    expect(pool.get(1)?.consecutiveFailures).toBe(0)
  })

  it('consecutive rate limits without a hint back off exponentially, up to the cap', () => {
    const { pool, clock, observe, traffic, choose } = setup([{}])
    const rests: number[] = []
    for (let i = 0; i < 9; i++) {
      observe(1, traffic(429))
      const until = pool.get(1)?.cooldownUntil as number
      rests.push(until - clock.now())
      clock.set(until)
      expect(choose()).toBe(1)
    }
    expect(rests).toEqual([5e3, 1e4, 2e4, 4e4, 8e4, 16e4, 32e4, 6e5, 6e5])
  })

  it('disabled is left only by the user', () => {
    const { pool, clock, observe, traffic } = setup([{ state: 'disabled' }])
    observe(1, traffic(200))
    observe(1, { source: 'validation', outcome: classifyUpstreamResponse(200, {}, {}, 0) })
    observe(1, { source: 'user', action: 'reset' })
    clock.advance(1e9)
    pool.expireCooldowns(clock.now())
    expect(pool.get(1)?.state).toBe('disabled')
    expect(observe(1, { source: 'user', action: 'enable' })).toMatchObject({ to: 'active' })
  })

  it('expireCooldowns heals an idle pool across providers', () => {
    const { pool, clock, transitions } = setup([
      { state: 'cooling', cooldownUntil: 1_000 },
      { state: 'cooling', cooldownUntil: Number.MAX_SAFE_INTEGER, providerId: 2 },
      { state: 'cooling', cooldownUntil: 2_000, providerId: 2 },
    ])
    expect(pool.expireCooldowns(clock.now())).toBe(2)
    expect(pool.expireCooldowns(clock.now())).toBe(0)
    expect(pool.counts()).toMatchObject({ active: 2, cooling: 1, total: 3 })
    expect(pool.counts(2)).toMatchObject({ active: 1, cooling: 1, total: 2 })
    expect(transitions.map(({ id }) => id)).toEqual([1, 3])
  })
})

describe('KeyPool bookkeeping', () => {
  it('counts keys by state, per provider and in total', () => {
    const { pool } = setup([
      { state: 'active' },
      { state: 'cooling', cooldownUntil: Number.MAX_SAFE_INTEGER },
      { state: 'exhausted' },
      { state: 'invalid', providerId: 2 },
      { state: 'disabled', providerId: 2 },
    ])
    expect(pool.counts()).toEqual({
      active: 1,
      cooling: 1,
      exhausted: 1,
      invalid: 1,
      disabled: 1,
      total: 5,
    })
    expect(pool.counts(2)).toEqual({
      active: 0,
      cooling: 0,
      exhausted: 0,
      invalid: 1,
      disabled: 1,
      total: 2,
    })
    expect(pool.counts(7).total).toBe(0)
    expect(pool.size).toBe(5)
  })

  it('upsert mirrors edits: state, provider, models; remove drops the key', () => {
    const { pool, clock, choose } = setup([{}, {}])
    pool.recordHeadroom(1, 50, null)
    pool.upsert(createPoolKey({ id: 1, providerId: 1, state: 'disabled' }))
    expect(new Set([choose(), choose()])).toEqual(new Set([2]))
    expect(pool.get(1)?.remainingRequests).toBe(50)
    pool.upsert(createPoolKey({ id: 1, providerId: 1, models: new Set(['O3']) }))
    expect(choose('o3', new Set([2]))).toBe(1)
    pool.upsert(createPoolKey({ id: 2, providerId: 3 }))
    expect(pool.choose(3, 'x', { now: clock.now() })?.id).toBe(2)
    expect(choose(undefined, new Set([1]))).toBeUndefined()
    expect(pool.counts(1).total).toBe(1)
    expect(pool.remove(2)).toBe(true)
    expect(pool.remove(2)).toBe(false)
    expect(pool.choose(3, 'x', { now: clock.now() })).toBeUndefined()
    expect(pool.counts()).toMatchObject({ active: 1, total: 1 })
    pool.load([])
    expect(pool.size).toBe(0)
  })

  it('returns only active keys that serve the model, whatever happened before (property)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('state' as const),
        id: fc.integer({ min: 1, max: 8 }),
        state: fc.constantFrom(...keyStates),
      }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 1, max: 8 }) }),
      fc.record({
        kind: fc.constant('pick' as const),
        model: fc.constantFrom('a', 'b', undefined),
        tried: fc.integer({ min: 0, max: 8 }),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
    )
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.constantFrom(
          'round-robin',
          'least-recently-used',
          'weighted-random',
          'headroom' as const,
        ),
        (ops, strategy) => {
          const { pool, clock } = setup([], { strategy, random: seededRandom(3) })
          for (const operation of ops) {
            if (operation.kind === 'state') {
              const cooldownUntil = operation.state === 'cooling' ? clock.now() + 10_000 : null
              const models = operation.id % 3 === 0 ? null : new Set([operation.id % 2 ? 'A' : 'b'])
              pool.upsert(
                createPoolKey({
                  id: operation.id,
                  providerId: 1,
                  state: operation.state,
                  cooldownUntil,
                  models,
                }),
              )
            } else if (operation.kind === 'remove') pool.remove(operation.id)
            else if (operation.kind === 'tick') clock.advance(operation.ms)
            else {
              const exclude = new Set([operation.tried])
              const picked = pool.choose(1, operation.model, { now: clock.now(), exclude })
              const eligible = [1, 2, 3, 4, 5, 6, 7, 8].filter((id) => {
                const key = pool.get(id)
                if (!key || exclude.has(id)) return false
                const usable = key.state === 'active'
                return (
                  usable &&
                  (key.models === null ||
                    operation.model === undefined ||
                    key.models.has(operation.model))
                )
              })
              if (picked) expect(eligible).toContain(picked.id)
              else expect(eligible).toEqual([])
            }
          }
          const counts = pool.counts()
          expect(keyStates.reduce((sum, state) => sum + counts[state], 0)).toBe(counts.total)
          expect(counts.total).toBe(pool.size)
        },
      ),
      { numRuns: 300 },
    )
  })
})
