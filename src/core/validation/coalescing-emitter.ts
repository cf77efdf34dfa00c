/** Timers as the validation code uses them; tests pass manual ones. */
export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Real timers, unref'd: a pending progress event or schedule never keeps the process alive. */
export const unrefTimers: TimerApi = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms)
    handle.unref()
    return handle
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout)
  },
}

/**
 * Calls `flush` at most once per `intervalMs` however often `poke` is called: the first poke
 * flushes at once, later ones within the interval are folded into one trailing flush. `final`
 * flushes now and cancels the trailing one, so the last state is always delivered exactly once.
 * Progress events of a 10,000-key run would otherwise flood the UI and every SSE client.
 */
export class CoalescingEmitter {
  private last = Number.NEGATIVE_INFINITY
  private pending: unknown

  constructor(
    private readonly flush: () => void,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly timers: TimerApi = unrefTimers,
  ) {}

  poke(): void {
    if (this.pending !== undefined) return
    const wait = this.last + this.intervalMs - this.now()
    if (wait <= 0) {
      this.emit()
      return
    }
    this.pending = this.timers.setTimeout(() => {
      this.pending = undefined
      this.emit()
    }, wait)
  }

  final(): void {
    if (this.pending !== undefined) this.timers.clearTimeout(this.pending)
    this.pending = undefined
    this.emit()
  }

  private emit(): void {
    this.last = this.now()
    this.flush()
  }
}
