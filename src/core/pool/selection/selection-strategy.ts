import type { RoutingStrategy } from '../../../shared/contract/settings'
import type { PoolKey } from '../pool-key'

/** Whether a key may take this request (active, not yet tried, serves the model). */
export type KeyFilter = (key: PoolKey) => boolean

/**
 * How a key is chosen among a provider's keys in rotation (SPEC §2.4). `keys` is the provider's
 * rotation in a stable order and may hold keys that `accepts` turns down; a strategy keeps its
 * own per-provider state and touches memory only.
 */
export interface SelectionStrategy {
  readonly name: RoutingStrategy
  pick(keys: readonly PoolKey[], accepts: KeyFilter, providerId: number): PoolKey | undefined
}

/**
 * Where the next scan starts, per provider. Starting after the last pick is what makes
 * round-robin exact and spreads ties evenly in the other strategies.
 */
export class RotationCursors {
  private readonly cursors = new Map<number, number>()

  start(providerId: number, length: number): number {
    return length === 0 ? 0 : (this.cursors.get(providerId) ?? 0) % length
  }

  advance(providerId: number, pickedIndex: number): void {
    this.cursors.set(providerId, pickedIndex + 1)
  }
}
