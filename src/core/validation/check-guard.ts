import type { ProbeAnswer } from './probe-answer'

/**
 * What stops one check: its run's signal (a cancel) or its deadline (the whole check, both
 * requests, whatever the phase), whichever comes first. It aborts the answer being read, and
 * `reason` says why. One listener and one timer per check, released by `dispose()`: cheaper than
 * `AbortSignal.any` over an `AbortSignal.timeout`, which leaves a signal and a timer per check
 * until the timeout (a minute) has passed.
 */
export class CheckGuard {
  /** Set once stopped: the run's abort reason, or a `TimeoutError` at the deadline. */
  reason: Error | null = null
  private current: ProbeAnswer | null = null
  private readonly timer: NodeJS.Timeout
  private readonly onAbort: () => void

  constructor(
    private readonly signal: AbortSignal,
    totalMs: number,
  ) {
    this.onAbort = () => this.stop(asError(signal.reason))
    if (signal.aborted) this.reason = asError(signal.reason)
    else signal.addEventListener('abort', this.onAbort, { once: true })
    this.timer = setTimeout(
      () => this.stop(new DOMException('The validation check timed out', 'TimeoutError')),
      totalMs,
    )
    this.timer.unref()
  }

  /** The answer now being read: aborted at once if the check is already stopped. */
  watch(answer: ProbeAnswer): void {
    this.current = answer
    if (this.reason) answer.abort(this.reason)
  }

  dispose(): void {
    clearTimeout(this.timer)
    this.signal.removeEventListener('abort', this.onAbort)
    this.current = null
  }

  private stop(reason: Error): void {
    if (this.reason) return
    this.reason = reason
    this.current?.abort(reason)
  }
}

const asError = (reason: unknown): Error =>
  reason instanceof Error ? reason : new DOMException('The check was cancelled', 'AbortError')
