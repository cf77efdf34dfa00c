import type { ServerResponse } from 'node:http'
import { proxyErrorEvent } from '../../shared/proxy-errors'
import { headerValue, type NetworkErrorKind } from '../pool'
import { mediaType } from './content-type'
import { forwardResponseHeaders } from './header-filter'
import { networkErrorKind } from '../pool/network-error-kind'
import { SseUsageTap } from './sse-usage-tap'
import type { RequestTrace } from '../usage/request-trace'
import type { Cancellation } from './cancellation'
import type { TokenUsage } from './token-usage'
import type { BodySink, UpstreamExchange, UpstreamHead } from './upstream-exchange'
import { JsonUsageCollector } from './usage-from-json'

export type RelayEnd =
  | { ended: 'complete' }
  | { ended: 'client-gone' }
  | { ended: 'upstream-failed'; error: NetworkErrorKind }

export type RelayResult = RelayEnd & { usage: TokenUsage | null }

/** Told once, when the relay has ended one way or another. */
export interface RelayListener {
  relayEnded(result: RelayResult): void
}

/**
 * Sends an upstream answer to the client as it arrives: headers filtered (P1), no buffering or
 * compression, `X-Accel-Buffering: no`, and backpressure (the upstream is paused while the
 * client's socket is full, P7). Usage is read on the side from SSE or JSON bodies. Once this has
 * started nothing is retried: an upstream failure ends an SSE stream with an error event, and
 * any other body with a cut (P4). A client that leaves aborts the exchange through its
 * `Cancellation`.
 *
 * One object per answer, the exchange's sink, and no promise or closure: it runs for every
 * proxied request.
 */
export class ResponseRelay implements BodySink {
  private readonly cancellation: Cancellation
  private readonly trace: RequestTrace
  private readonly sse: boolean
  private readonly sseTap: SseUsageTap | null
  private readonly jsonUsage: JsonUsageCollector | null
  private waitingForDrain = false
  private onDrain: (() => void) | null = null

  /**
   * Writes the head at once and takes the body from `exchange`; `trace` receives the status,
   * first-byte time and bytes sent, and how the upstream ended.
   */
  constructor(
    private readonly res: ServerResponse,
    head: UpstreamHead,
    private readonly exchange: UpstreamExchange,
    options: { stripUsageChunk: boolean; cancellation: Cancellation; trace: RequestTrace },
    private readonly listener: RelayListener,
  ) {
    this.cancellation = options.cancellation
    this.trace = options.trace
    const type = mediaType(headerValue(head.headers, 'content-type') ?? '')
    this.sse = type === 'text/event-stream'
    this.sseTap = this.sse ? new SseUsageTap({ stripUsageChunk: options.stripUsageChunk }) : null
    this.jsonUsage = !this.sse && type === 'application/json' ? new JsonUsageCollector() : null

    const headers = forwardResponseHeaders(head.headers, {
      bodyAltered: this.sse && options.stripUsageChunk,
    })
    headers.push('x-accel-buffering', 'no')
    res.writeHead(head.statusCode, headers)
    this.trace.status = head.statusCode
    this.trace.streamed = this.sse
    exchange.pipe(this)
    // A stream's head goes out at once, not with its first event, which a reasoning model may
    // send minutes later; but not in a write of its own when that event came in the same read
    // (it travels with the event): so once undici has handed over what it read with the head.
    if (this.sse) process.nextTick(flushHeadIfNothingSent, this)
  }

  /** Sends the head now unless a write has taken it along (or the client has gone). */
  flushHeadIfNothingSent(): void {
    if (this.trace.bytesOut === 0 && !this.clientGone()) this.res.flushHeaders()
  }

  data(chunk: Buffer): boolean {
    if (this.clientGone()) return false
    this.jsonUsage?.push(chunk)
    const out = this.sseTap ? this.sseTap.push(chunk) : chunk
    return out.length === 0 || this.send(out)
  }

  end(): void {
    this.stopWaitingForDrain()
    if (this.clientGone())
      return this.listener.relayEnded({ ended: 'client-gone', usage: this.usage() })
    const rest = this.sseTap?.end()
    if (rest && rest.length > 0) this.send(rest)
    this.res.end()
    this.listener.relayEnded({
      ended: 'complete',
      usage: this.sseTap ? this.sseTap.usage : (this.jsonUsage?.finish() ?? null),
    })
  }

  error(error: Error): void {
    this.stopWaitingForDrain()
    if (this.clientGone())
      return this.listener.relayEnded({ ended: 'client-gone', usage: this.usage() })
    const kind = networkErrorKind(error)
    this.trace.upstreamFailed = true
    this.trace.upstreamTimedOut = kind === 'timeout'
    if (this.sse) {
      this.res.end(
        proxyErrorEvent(kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable'),
      )
    } else this.res.destroy()
    this.listener.relayEnded({ ended: 'upstream-failed', error: kind, usage: this.usage() })
  }

  private send(bytes: Uint8Array): boolean {
    this.trace.firstByteAt ??= performance.now()
    this.trace.bytesOut += bytes.length
    if (this.res.write(bytes)) return true
    if (!this.waitingForDrain) {
      this.waitingForDrain = true
      this.onDrain ??= () => {
        this.waitingForDrain = false
        this.exchange.resume()
      }
      this.res.once('drain', this.onDrain)
    }
    return false
  }

  private stopWaitingForDrain(): void {
    if (this.waitingForDrain && this.onDrain) this.res.off('drain', this.onDrain)
    this.waitingForDrain = false
  }

  private clientGone(): boolean {
    return this.cancellation.aborted || this.res.destroyed
  }

  private usage(): TokenUsage | null {
    return this.sseTap?.usage ?? null
  }
}

/** `process.nextTick`'s callback for a relay's head (a function of the module: no closure). */
function flushHeadIfNothingSent(relay: ResponseRelay): void {
  relay.flushHeadIfNothingSent()
}
