import { errors, type Dispatcher } from 'undici'

/**
 * What every dispatch handler of KeyPool's needs to be abortable at any time: before undici has
 * started the request (it may be queued for a connection) there is no controller to abort, so
 * the abort is remembered, applied when undici starts the request, and the handler fails at
 * once. Subclasses say what failing means and set `settled` when the exchange is over.
 */
export abstract class AbortableDispatch {
  protected controller: Dispatcher.DispatchController | null = null
  protected settled = false
  /** An abort that came before undici started the request: applied when it does. */
  private earlyAbort: Error | null = null

  /** Stops the exchange and closes its connection; a no-op once it has settled. */
  abort(reason: Error = new errors.RequestAbortedError()): void {
    if (this.settled) return
    if (this.controller) this.controller.abort(reason)
    else {
      this.earlyAbort = reason
      this.fail(reason)
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.earlyAbort) controller.abort(this.earlyAbort)
  }

  /** The exchange failed (or was aborted): settle it and tell whoever waits for it. */
  protected abstract fail(error: Error): void
}
