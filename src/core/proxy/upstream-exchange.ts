import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import { AbortableDispatch } from './abortable-dispatch'
import type { Abortable, Cancellation } from './cancellation'

/** The status line and headers of an upstream answer. */
export interface UpstreamHead {
  statusCode: number
  headers: IncomingHttpHeaders
}

/** Where an answer's body goes once the proxy has decided what to do with it. */
export interface BodySink {
  /** One chunk of the body; false when the sink is full: the exchange pauses until `resume()`. */
  data(chunk: Buffer): boolean
  /** The body is complete. */
  end(): void
  /** The upstream failed, timed out or was aborted after its headers. */
  error(error: Error): void
}

/**
 * Told how an exchange's head turned out. Called synchronously from undici's callbacks (or, for
 * a request cancelled before it was sent, from `send` itself): a listener that starts another
 * request from here should defer it.
 */
export interface HeadListener {
  /** The status line and headers arrived; the body waits for `pipe`. */
  headReceived(exchange: UpstreamExchange, head: UpstreamHead): void
  /** The exchange failed before its head: a network error, a timeout or an abort. */
  headFailed(exchange: UpstreamExchange, error: Error): void
}

/**
 * Body bytes held while no sink is attached (the head is being classified): small answers
 * arrive with their headers, larger ones pause the upstream here.
 */
const MAX_HELD_BYTES = 64 * 1024

/**
 * One upstream request on undici's dispatch API: the head goes to a `HeadListener`, the body is
 * pushed to a sink chosen after the head has been classified (relay it, read it whole, or drop
 * it), with backpressure through `pause`/`resume`. It replaces `request()` + a body stream + an
 * async iterator on the hot path: no Readable, no iterator and no promise per request, which
 * measured ~10% of the proxy's CPU per request (docs/performance.md).
 *
 * Every body is consumed or its connection aborted (SECURITY P8): `abort()` is safe at any time,
 * including before undici has written the request (it is then queued), and a client that leaves
 * aborts the exchange through its request's `Cancellation` at once (P3).
 */
export class UpstreamExchange
  extends AbortableDispatch
  implements Dispatcher.DispatchHandler, Abortable
{
  private hasHead = false
  private sink: BodySink | null = null
  private held: Buffer[] = []
  private heldBytes = 0
  /** How the body ended, while no sink was attached to be told. */
  private outcome: 'open' | 'ended' | Error = 'open'

  private constructor(
    private readonly cancellation: Cancellation,
    private readonly listener: HeadListener,
  ) {
    super()
  }

  /** Sends a request; its head (or its failure) goes to `listener`. */
  static send(
    dispatcher: Dispatcher,
    options: Dispatcher.DispatchOptions,
    cancellation: Cancellation,
    listener: HeadListener,
  ): UpstreamExchange {
    const exchange = new UpstreamExchange(cancellation, listener)
    if (cancellation.reason) {
      exchange.fail(cancellation.reason)
      return exchange
    }
    cancellation.watch(exchange)
    try {
      dispatcher.dispatch(options, exchange)
    } catch (error) {
      exchange.fail(error instanceof Error ? error : new Error(String(error)))
    }
    return exchange
  }

  /** Sends the body, held and to come, to `sink`. Call once, after the head arrived. */
  pipe(sink: BodySink): void {
    this.sink = sink
    const held = this.held
    this.held = []
    this.heldBytes = 0
    let full = false
    for (const chunk of held) full = !sink.data(chunk)
    if (this.outcome === 'ended') sink.end()
    else if (this.outcome instanceof Error) sink.error(this.outcome)
    else if (full) this.controller?.pause()
    else this.controller?.resume()
  }

  /** The sink can take more after it returned false. */
  resume(): void {
    if (!this.settled) this.controller?.resume()
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200 || this.hasHead) return
    this.hasHead = true
    this.listener.headReceived(this, { statusCode, headers })
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.sink) {
      if (!this.sink.data(chunk)) controller.pause()
      return
    }
    this.held.push(chunk)
    this.heldBytes += chunk.length
    if (this.heldBytes > MAX_HELD_BYTES) controller.pause()
  }

  onResponseEnd(): void {
    if (this.settled) return
    this.settle()
    this.outcome = 'ended'
    this.sink?.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.fail(error)
  }

  protected fail(error: Error): void {
    if (this.settled) return
    this.settle()
    if (!this.hasHead) {
      this.listener.headFailed(this, error)
      return
    }
    this.held = []
    this.outcome = error
    this.sink?.error(error)
  }

  private settle(): void {
    this.settled = true
    this.cancellation.release(this)
  }
}
