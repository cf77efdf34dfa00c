/** One proxied request as the stop sequence sees it. */
interface InFlight {
  controller: AbortController
  done: Promise<void>
}

/**
 * The proxied requests under way: their count is the global concurrency cap (SECURITY P2), and
 * their abort controllers let a graceful stop cut what is left at the deadline (P9).
 */
export class InFlightRequests {
  private readonly requests = new Set<InFlight>()

  get size(): number {
    return this.requests.size
  }

  /** Runs `work` as one in-flight request; it is forgotten once `work` settles. */
  run(controller: AbortController, work: () => Promise<void>): Promise<void> {
    const entry: InFlight = { controller, done: Promise.resolve() }
    this.requests.add(entry)
    entry.done = work().finally(() => this.requests.delete(entry))
    return entry.done
  }

  /** Aborts every request still under way: each ends its upstream call and answers or cuts. */
  abortAll(): void {
    for (const request of this.requests) request.controller.abort()
  }

  /** Resolves when every request has settled, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.requests.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
      timer.unref()
    })
    await Promise.race([
      Promise.allSettled([...this.requests].map((request) => request.done)),
      timeout,
    ])
    clearTimeout(timer)
  }
}
