import type { PoolKey } from '../pool-key'
import type { KeyFilter, SelectionStrategy } from './selection-strategy'

/** A number in [0, 1); injectable so that tests can seed it. */
export type RandomSource = () => number

const usableWeight = (key: PoolKey): number =>
  Number.isFinite(key.weight) && key.weight > 0 ? key.weight : 0

/**
 * A key with probability proportional to its weight. When every acceptable key weighs 0 they
 * share equally, so a pool of zero-weight keys still serves instead of failing. O(n).
 */
export class WeightedRandomStrategy implements SelectionStrategy {
  readonly name = 'weighted-random'

  constructor(private readonly random: RandomSource = Math.random) {}

  pick(keys: readonly PoolKey[], accepts: KeyFilter): PoolKey | undefined {
    const candidates = keys.filter(accepts)
    const total = candidates.reduce((sum, key) => sum + usableWeight(key), 0)
    if (total === 0) {
      return candidates[
        Math.min(candidates.length - 1, Math.floor(this.random() * candidates.length))
      ]
    }
    let target = this.random() * total
    for (const key of candidates) {
      target -= usableWeight(key)
      if (target < 0) return key
    }
    return candidates.findLast((key) => usableWeight(key) > 0)
  }
}
