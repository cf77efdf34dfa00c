import type { Clock } from '../core/clock'

interface Entry {
  failures: number
  blockedUntil: number
  lastFailure: number
}

/**
 * Slows down token guessing: after `freeFailures` failures from one address, each further
 * failure blocks that address for a doubling delay (1 s, 2 s, 4 s … capped). A success clears it.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly clock: Clock,
    private readonly freeFailures = 5,
    private readonly maxDelayMs = 5 * 60_000,
  ) {}

  /** Seconds the address must wait, or 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const entry = this.entries.get(address)
    if (!entry) return 0
    const wait = entry.blockedUntil - this.clock.now()
    return wait > 0 ? Math.ceil(wait / 1000) : 0
  }

  recordFailure(address: string): void {
    const now = this.clock.now()
    const entry = this.entries.get(address) ?? { failures: 0, blockedUntil: 0, lastFailure: now }
    // Forget old failures after a quiet period so a typo last week costs nothing today.
    if (now - entry.lastFailure > this.maxDelayMs * 2) entry.failures = 0
    entry.failures += 1
    entry.lastFailure = now
    const over = entry.failures - this.freeFailures
    if (over > 0) entry.blockedUntil = now + Math.min(1000 * 2 ** (over - 1), this.maxDelayMs)
    this.entries.set(address, entry)
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!)
  }

  recordSuccess(address: string): void {
    this.entries.delete(address)
  }
}
