import type { KeyState } from '../../shared/key-state'
import { type PoolKey, servesModel } from './pool-key'

/** Keys by state, as `GET /api/stats` and the tray report them. */
export type StateCounts = Record<KeyState, number> & { total: number }

export const emptyCounts = (): StateCounts => ({
  active: 0,
  cooling: 0,
  exhausted: 0,
  invalid: 0,
  disabled: 0,
  total: 0,
})

/**
 * The keys of one provider and the rotation strategies pick from. A key that leaves `active`
 * stays in the rotation as a stale entry (the pick filter skips it) until stale entries are half
 * of it, so a state change costs O(1) amortised instead of a rebuild per request.
 * Callers wrap every change of a key's state or cooldown in `leave` … `enter`.
 */
export class ProviderKeys {
  readonly keys = new Map<number, PoolKey>()
  readonly counts = emptyCounts()
  private readonly cooling = new Set<PoolKey>()
  private readonly inRotation = new Set<PoolKey>()
  private rotation: PoolKey[] = []
  private stale = 0
  private earliestCoolingEnd = Number.POSITIVE_INFINITY

  add(key: PoolKey): void {
    this.keys.set(key.id, key)
    this.counts.total++
    this.enter(key)
  }

  delete(key: PoolKey): void {
    this.leave(key)
    this.keys.delete(key.id)
    this.counts.total--
    if (this.inRotation.delete(key)) {
      this.rotation = this.rotation.filter((entry) => entry !== key)
      this.stale--
    }
  }

  leave(key: PoolKey): void {
    this.counts[key.state]--
    this.cooling.delete(key)
    if (key.state === 'active' && this.inRotation.has(key)) this.stale++
  }

  enter(key: PoolKey): void {
    this.counts[key.state]++
    if (key.state === 'cooling') {
      this.cooling.add(key)
      const until = key.cooldownUntil ?? Number.NEGATIVE_INFINITY
      this.earliestCoolingEnd = Math.min(this.earliestCoolingEnd, until)
    } else if (key.state === 'active') {
      if (this.inRotation.has(key)) this.stale--
      else {
        this.inRotation.add(key)
        this.rotation.push(key)
      }
    }
  }

  /** The rotation in a stable order; may hold keys that are no longer active. */
  routable(): readonly PoolKey[] {
    if (this.stale > 0 && this.stale * 2 > this.rotation.length) {
      this.rotation = this.rotation.filter((key) => key.state === 'active')
      this.inRotation.clear()
      for (const key of this.rotation) this.inRotation.add(key)
      this.stale = 0
    }
    return this.rotation
  }

  /** Cooling keys whose rest is over; a no-op (one comparison) until the earliest one ends. */
  expiredCooling(now: number): PoolKey[] {
    if (now < this.earliestCoolingEnd) return []
    const expired: PoolKey[] = []
    let next = Number.POSITIVE_INFINITY
    for (const key of this.cooling) {
      const until = key.cooldownUntil ?? Number.NEGATIVE_INFINITY
      if (until <= now) expired.push(key)
      else next = Math.min(next, until)
    }
    this.earliestCoolingEnd = next
    return expired
  }

  /** When the first cooling key (serving `model`, if given) may be used again, or null. */
  soonestCooldownEnd(model?: string): number | null {
    let soonest: number | null = null
    for (const key of this.cooling) {
      if (key.cooldownUntil === null || !servesModel(key, model)) continue
      if (soonest === null || key.cooldownUntil < soonest) soonest = key.cooldownUntil
    }
    return soonest
  }
}
