import type { PoolKey } from '../pool-key'
import { type KeyFilter, RotationCursors, type SelectionStrategy } from './selection-strategy'

const mean = (values: number[]): number | null =>
  values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length

/**
 * The key whose last `x-ratelimit-remaining-requests` shows the most room, ties broken by tokens,
 * then round the rotation. A key that has not reported yet counts as the mean of the provider's
 * keys that have, so a new key is tried without jumping the queue. O(n).
 */
export class HeadroomStrategy implements SelectionStrategy {
  readonly name = 'headroom'
  private readonly cursors = new RotationCursors()

  pick(keys: readonly PoolKey[], accepts: KeyFilter, providerId: number): PoolKey | undefined {
    const requests = mean(keys.flatMap((key) => key.remainingRequests ?? []))
    const tokens = mean(keys.flatMap((key) => key.remainingTokens ?? []))
    const score = (key: PoolKey): [number, number] => [
      key.remainingRequests ?? requests ?? 0,
      key.remainingTokens ?? tokens ?? 0,
    ]
    const start = this.cursors.start(providerId, keys.length)
    let best: { key: PoolKey; index: number; score: [number, number] } | undefined
    for (let step = 0; step < keys.length; step++) {
      const index = (start + step) % keys.length
      const key = keys[index] as PoolKey
      if (!accepts(key)) continue
      const [r, t] = score(key)
      if (!best || r > best.score[0] || (r === best.score[0] && t > best.score[1])) {
        best = { key, index, score: [r, t] }
      }
    }
    if (best) this.cursors.advance(providerId, best.index)
    return best?.key
  }
}
