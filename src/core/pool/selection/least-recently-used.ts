import type { PoolKey } from '../pool-key'
import { type KeyFilter, RotationCursors, type SelectionStrategy } from './selection-strategy'

/**
 * The key that waited longest since its last request. Keys used in the same millisecond tie;
 * ties go round the rotation so a burst still spreads. O(n) in the provider's keys.
 */
export class LeastRecentlyUsedStrategy implements SelectionStrategy {
  readonly name = 'least-recently-used'
  private readonly cursors = new RotationCursors()

  pick(keys: readonly PoolKey[], accepts: KeyFilter, providerId: number): PoolKey | undefined {
    const start = this.cursors.start(providerId, keys.length)
    let best: PoolKey | undefined
    let bestIndex = -1
    for (let step = 0; step < keys.length; step++) {
      const index = (start + step) % keys.length
      const key = keys[index] as PoolKey
      if (accepts(key) && (best === undefined || key.lastUsedAt < best.lastUsedAt)) {
        best = key
        bestIndex = index
      }
    }
    if (best) this.cursors.advance(providerId, bestIndex)
    return best
  }
}
