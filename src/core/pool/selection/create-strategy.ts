import type { RoutingStrategy } from '../../../shared/contract/settings'
import { HeadroomStrategy } from './headroom'
import { LeastRecentlyUsedStrategy } from './least-recently-used'
import { RoundRobinStrategy } from './round-robin'
import type { SelectionStrategy } from './selection-strategy'
import { type RandomSource, WeightedRandomStrategy } from './weighted-random'

/** The strategy named in settings.routing.strategy, with fresh per-provider state. */
export function createSelectionStrategy(
  name: RoutingStrategy,
  random: RandomSource = Math.random,
): SelectionStrategy {
  switch (name) {
    case 'round-robin':
      return new RoundRobinStrategy()
    case 'least-recently-used':
      return new LeastRecentlyUsedStrategy()
    case 'weighted-random':
      return new WeightedRandomStrategy(random)
    case 'headroom':
      return new HeadroomStrategy()
  }
}
