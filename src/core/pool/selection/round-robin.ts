import type { PoolKey } from '../pool-key'
import { type KeyFilter, RotationCursors, type SelectionStrategy } from './selection-strategy'

/**
 * Each key in turn: 10 keys × 1,000 picks give exactly 100 each. O(1) amortised: the scan only
 * walks past keys the filter turns down (tried already, or without the model).
 */
export class RoundRobinStrategy implements SelectionStrategy {
  readonly name = 'round-robin'
  private readonly cursors = new RotationCursors()

  pick(keys: readonly PoolKey[], accepts: KeyFilter, providerId: number): PoolKey | undefined {
    const start = this.cursors.start(providerId, keys.length)
    for (let step = 0; step < keys.length; step++) {
      const index = (start + step) % keys.length
      const key = keys[index] as PoolKey
      if (accepts(key)) {
        this.cursors.advance(providerId, index)
        return key
      }
    }
    return undefined
  }
}
