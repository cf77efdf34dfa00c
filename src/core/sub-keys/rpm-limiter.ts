import { type Clock, systemClock } from '../clock'

export type RpmDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

export type SubKeyId = string | number

const windowMs = 60_000

/** The times of one sub-key's most recent admitted requests; `next` is the slot written next. */
interface Window {
  times: Float64Array
  next: number
  lastAt: number
}

/**
 * Requests-per-minute limits per sub-key, as an exact sliding window: a key with limit N is
 * admitted when its N-th most recent admitted request is at least 60 s old. Each key keeps a ring
 * of its recent times, so a check is O(1) and no minute boundary ever lets 2N requests through,
 * as a fixed window or a token bucket would. Memory is 8 bytes × the largest limit a key had, for
 * keys used within the last minute; idle keys are forgotten once a minute.
 */
export class RpmLimiter {
  private readonly windows = new Map<SubKeyId, Window>()
  private nextSweep = 0

  constructor(private readonly clock: Clock = systemClock) {}

  /**
   * Admits one request of `subKeyId` under `limit` requests per minute (null: no limit) and
   * records it; a refused request is not recorded, so retrying after `retryAfterSeconds` works.
   */
  tryAcquire(subKeyId: SubKeyId, limit: number | null): RpmDecision {
    if (limit === null || !Number.isFinite(limit)) return { allowed: true }
    const now = this.clock.now()
    this.sweep(now)
    const size = Math.max(0, Math.floor(limit))
    if (size === 0) return { allowed: false, retryAfterSeconds: windowMs / 1_000 }
    let window = this.windows.get(subKeyId)
    if (window === undefined || window.times.length < size) {
      window = grown(window, size, now)
      this.windows.set(subKeyId, window)
    }
    const capacity = window.times.length
    const nth = window.times[(window.next - size + capacity) % capacity]!
    if (now - nth < windowMs) {
      const waitMs = Math.min(windowMs, nth + windowMs - now)
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)) }
    }
    window.times[window.next] = now
    window.next = (window.next + 1) % capacity
    window.lastAt = now
    return { allowed: true }
  }

  /** Drops a sub-key's history, after it is deleted. */
  forget(subKeyId: SubKeyId): void {
    this.windows.delete(subKeyId)
  }

  /** How many sub-keys hold history now (for tests and diagnostics). */
  get size(): number {
    return this.windows.size
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return
    this.nextSweep = now + windowMs
    for (const [id, window] of this.windows) {
      if (now - window.lastAt >= windowMs) this.windows.delete(id)
    }
  }
}

/**
 * A ring of `size` slots holding the times of `previous` in order, so that raising a limit
 * neither forgets the last minute nor grants a fresh burst. Lowering one keeps the larger ring.
 */
function grown(previous: Window | undefined, size: number, now: number): Window {
  const times = new Float64Array(size).fill(-Infinity)
  if (previous === undefined) return { times, next: 0, lastAt: now }
  const old = previous.times
  for (let k = 0; k < old.length; k += 1) {
    times[size - old.length + k] = old[(previous.next + k) % old.length]!
  }
  return { times, next: 0, lastAt: previous.lastAt }
}
