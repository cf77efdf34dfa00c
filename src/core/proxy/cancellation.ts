import { errors } from 'undici'

/** What a cancellation stops: the upstream attempt under way. */
export interface Abortable {
  abort(reason: Error): void
}

/**
 * Cancels one proxied request: the client left, or the proxy is stopping (SECURITY P3, P9).
 * The request's parts check `aborted`; the one upstream attempt under way is told at once.
 *
 * Not an `AbortController`: Node's is an `EventTarget`, and a controller per request plus the
 * exchange's `addEventListener`/`removeEventListener` measured ~5 µs of CPU per request, about a
 * sixth of everything KeyPool adds to a pass-through (docs/performance.md). A request has at most
 * one attempt in flight, so one listener slot is all it needs.
 */
export class Cancellation {
  /** Where `InFlightRequests` holds this request; -1 while it holds it nowhere. */
  inFlightSlot = -1
  private abortReason: Error | null = null
  private target: Abortable | null = null

  get aborted(): boolean {
    return this.abortReason !== null
  }

  /** Why it was cancelled; null while it was not. */
  get reason(): Error | null {
    return this.abortReason
  }

  /** Cancels (once; later calls change nothing) and aborts the attempt under way. */
  abort(reason: Error = new errors.RequestAbortedError()): void {
    if (this.abortReason) return
    this.abortReason = reason
    const target = this.target
    this.target = null
    target?.abort(reason)
  }

  /** `target` is aborted on cancellation, until `release(target)`; replaces an earlier one. */
  watch(target: Abortable): void {
    this.target = target
  }

  release(target: Abortable): void {
    if (this.target === target) this.target = null
  }
}
