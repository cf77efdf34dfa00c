import { describe, expect, it } from 'vitest'
import { createPoolKey, type PoolKey } from '../../../../src/core/pool/pool-key'
import { createSelectionStrategy } from '../../../../src/core/pool/selection/create-strategy'
import { HeadroomStrategy } from '../../../../src/core/pool/selection/headroom'
import { LeastRecentlyUsedStrategy } from '../../../../src/core/pool/selection/least-recently-used'
import { RoundRobinStrategy } from '../../../../src/core/pool/selection/round-robin'
import { WeightedRandomStrategy } from '../../../../src/core/pool/selection/weighted-random'
import { seededRandom } from './seeded-random'

const keys = (count: number, fields: (i: number) => Partial<PoolKey> = () => ({})) =>
  Array.from({ length: count }, (_, i) => createPoolKey({ id: i + 1, providerId: 1, ...fields(i) }))
const any = () => true
const tally = (picks: (PoolKey | undefined)[]) => {
  const counts = new Map<number, number>()
  for (const key of picks) if (key) counts.set(key.id, (counts.get(key.id) ?? 0) + 1)
  return counts
}

describe('RoundRobinStrategy', () => {
  it('10 keys × 1,000 picks gives each exactly 100', () => {
    const strategy = new RoundRobinStrategy()
    const pool = keys(10)
    const counts = tally(Array.from({ length: 1_000 }, () => strategy.pick(pool, any, 1)))
    expect([...counts.values()]).toEqual(Array(10).fill(100))
  })

  it('skips keys the filter turns down and keeps a cursor per provider', () => {
    const strategy = new RoundRobinStrategy()
    const pool = keys(4)
    const odd = (key: PoolKey) => key.id % 2 === 1
    expect([1, 2, 3].map(() => strategy.pick(pool, odd, 1)?.id)).toEqual([1, 3, 1])
    expect(strategy.pick(pool, any, 2)?.id).toBe(1)
    expect(strategy.pick(pool, () => false, 1)).toBeUndefined()
    expect(strategy.pick([], any, 1)).toBeUndefined()
  })
})

describe('LeastRecentlyUsedStrategy', () => {
  it('picks the key that waited longest', () => {
    const strategy = new LeastRecentlyUsedStrategy()
    const pool = keys(4, (i) => ({ lastUsedAt: [300, 100, 400, 200][i] }))
    const order: number[] = []
    for (let now = 1_000; now < 1_004; now++) {
      const key = strategy.pick(pool, any, 1) as PoolKey
      key.lastUsedAt = now
      order.push(key.id)
    }
    expect(order).toEqual([2, 4, 1, 3])
  })

  it('spreads keys that tie (used in the same millisecond) round the rotation', () => {
    const strategy = new LeastRecentlyUsedStrategy()
    const pool = keys(3, () => ({ lastUsedAt: 5 }))
    expect([1, 2, 3, 4].map(() => strategy.pick(pool, any, 1)?.id)).toEqual([1, 2, 3, 1])
  })
})

describe('WeightedRandomStrategy', () => {
  it('picks roughly in proportion to the weights', () => {
    const strategy = new WeightedRandomStrategy(seededRandom(42))
    const pool = keys(4, (i) => ({ weight: i + 1 }))
    const counts = tally(Array.from({ length: 100_000 }, () => strategy.pick(pool, any)))
    for (const key of pool) {
      expect((counts.get(key.id) ?? 0) / 100_000).toBeCloseTo(key.weight / 10, 2)
    }
  })

  it('never picks a zero weight while a positive one is free; all zero share equally', () => {
    const strategy = new WeightedRandomStrategy(seededRandom(7))
    const pool = keys(3, (i) => ({ weight: i === 0 ? 5 : 0 }))
    expect(new Set(Array.from({ length: 200 }, () => strategy.pick(pool, any)?.id))).toEqual(
      new Set([1]),
    )
    const zeros = keys(3, () => ({ weight: 0 }))
    const counts = tally(Array.from({ length: 3_000 }, () => strategy.pick(zeros, any)))
    expect(counts.size).toBe(3)
  })

  it('survives a random source that returns 1 and an empty pool', () => {
    const strategy = new WeightedRandomStrategy(() => 1)
    expect(strategy.pick(keys(2), any)?.id).toBe(2)
    expect(
      strategy.pick(
        keys(2, () => ({ weight: 0 })),
        any,
      )?.id,
    ).toBe(2)
    expect(strategy.pick([], any)).toBeUndefined()
  })
})

describe('HeadroomStrategy', () => {
  it('prefers the most remaining requests, then the most remaining tokens', () => {
    const strategy = new HeadroomStrategy()
    const pool = keys(3, (i) => ({
      remainingRequests: [10, 50, 50][i],
      remainingTokens: [9_000, 1_000, 2_000][i],
    }))
    expect(strategy.pick(pool, any, 1)?.id).toBe(3)
    expect(strategy.pick(pool, (key) => key.id !== 3, 1)?.id).toBe(2)
  })

  it('treats unknown headroom as the mean of the known', () => {
    const strategy = new HeadroomStrategy()
    const pool = keys(5, (i) => ({ remainingRequests: [10, null, 30, 5, 1][i] }))
    expect(strategy.pick(pool, any, 1)?.id).toBe(3)
    expect(strategy.pick(pool, (key) => key.id !== 3, 1)?.id).toBe(2)
    expect(strategy.pick(pool, (key) => key.id !== 3 && key.id !== 2, 1)?.id).toBe(1)
  })

  it('spreads equal or unknown headroom round the rotation', () => {
    const strategy = new HeadroomStrategy()
    const pool = keys(3)
    expect([1, 2, 3, 4].map(() => strategy.pick(pool, any, 1)?.id)).toEqual([1, 2, 3, 1])
  })
})

describe('createSelectionStrategy', () => {
  it.each(['round-robin', 'least-recently-used', 'weighted-random', 'headroom'] as const)(
    'builds %s',
    (name) => expect(createSelectionStrategy(name).name).toBe(name),
  )
})
