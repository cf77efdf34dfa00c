import type { Cancellation } from './cancellation'

/**
 * The proxied requests under way: their count is the global concurrency cap (SECURITY P2), and
 * their cancellations let a graceful stop cut what is left at the deadline (P9). A request
 * is counted from `begin` to `end`; nothing is allocated per request beyond its set entry (the
 * hot path used to wrap every request in a promise chain of its own just to be awaited here).
 */
export class InFlightRequests {
  private readonly requests = new Set<Cancellation>()
  /** Resolvers of `settled()` calls waiting for the count to reach zero. */
  private idleWaiters: (() => void)[] = []

  get size(): number {
    return this.requests.size
  }

  /** Counts one request; `cancellation` cuts it at a stop. */
  begin(cancellation: Cancellation): void {
    this.requests.add(cancellation)
  }

  /** The request has settled: answered, cut or failed, and recorded. */
  end(cancellation: Cancellation): void {
    if (!this.requests.delete(cancellation) || this.requests.size > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  /** Aborts every request still under way: each ends its upstream call and answers or cuts. */
  abortAll(): void {
    for (const cancellation of this.requests) cancellation.abort()
  }

  /** Resolves when every request has settled, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.requests.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
      timer.unref()
    })
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    await Promise.race([idle, timeout])
    clearTimeout(timer)
  }
}
