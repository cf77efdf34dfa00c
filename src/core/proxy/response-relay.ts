import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { proxyErrorEvent } from '../../shared/proxy-errors'
import { headerValue, type NetworkErrorKind } from '../pool'
import { mediaType } from './content-type'
import { forwardResponseHeaders } from './header-filter'
import { networkErrorKind } from '../pool/network-error-kind'
import { SseUsageReader } from './sse-usage-reader'
import type { RequestTrace } from '../usage/request-trace'
import type { Cancellation } from './cancellation'
import type { TokenUsage } from './token-usage'
import type { UpstreamExchange } from './upstream-exchange'
import { UsageChunkStripper } from './usage-chunk-stripper'
import { JsonUsageCollector } from './usage-from-json'

export interface RelayInput {
  res: ServerResponse
  statusCode: number
  headers: IncomingHttpHeaders
  /** The upstream answer whose body is relayed. */
  exchange: UpstreamExchange
  /** The proxy asked for the usage chunk on the client's behalf: remove it from the stream. */
  stripUsageChunk: boolean
  /** Cancelled when the client leaves (or at the stop deadline). */
  cancellation: Cancellation
  /** Receives the status, first-byte time and bytes sent, and how the upstream ended. */
  trace: RequestTrace
}

export type RelayEnd =
  | { ended: 'complete' }
  | { ended: 'client-gone' }
  | { ended: 'upstream-failed'; error: NetworkErrorKind }

export type RelayResult = RelayEnd & { usage: TokenUsage | null }

/**
 * Sends an upstream answer to the client as it arrives: headers filtered (P1), no buffering or
 * compression, `X-Accel-Buffering: no`, and backpressure (the upstream is paused while the
 * client's socket is full, P7). Usage is read on the side from SSE or JSON bodies. Once this has
 * started nothing is retried: an upstream failure ends an SSE stream with an error event, and
 * any other body with a cut (P4). A client that leaves aborts the exchange through its `Cancellation`.
 */
export function relayResponse(input: RelayInput): Promise<RelayResult> {
  const { res, trace, exchange, cancellation } = input
  const type = mediaType(headerValue(input.headers, 'content-type') ?? '')
  const sse = type === 'text/event-stream'
  const stripper = sse && input.stripUsageChunk ? new UsageChunkStripper() : null
  const sseUsage = sse ? new SseUsageReader() : null
  const jsonUsage = !sse && type === 'application/json' ? new JsonUsageCollector() : null

  const headers = forwardResponseHeaders(input.headers, { bodyAltered: stripper !== null })
  headers['x-accel-buffering'] = 'no'
  res.writeHead(input.statusCode, headers)
  if (sse) res.flushHeaders()
  trace.status = input.statusCode
  trace.streamed = sse

  const usage = (): TokenUsage | null => sseUsage?.usage ?? null
  return new Promise<RelayResult>((resolve) => {
    let waitingForDrain = false
    const onDrain = (): void => {
      waitingForDrain = false
      exchange.resume()
    }
    const send = (bytes: Uint8Array): boolean => {
      trace.firstByteAt ??= performance.now()
      trace.bytesOut += bytes.length
      if (res.write(bytes)) return true
      if (!waitingForDrain) {
        waitingForDrain = true
        res.once('drain', onDrain)
      }
      return false
    }
    const clientGone = (): boolean => cancellation.aborted || res.destroyed
    exchange.pipe({
      data(chunk) {
        if (clientGone()) return false
        sseUsage?.push(chunk)
        jsonUsage?.push(chunk)
        const out = stripper ? stripper.push(chunk) : chunk
        return out.length === 0 || send(out)
      },
      end() {
        if (waitingForDrain) res.off('drain', onDrain)
        if (clientGone()) return resolve({ ended: 'client-gone', usage: usage() })
        const rest = stripper?.end()
        if (rest && rest.length > 0) send(rest)
        res.end()
        resolve({
          ended: 'complete',
          usage: sseUsage ? sseUsage.end() : (jsonUsage?.finish() ?? null),
        })
      },
      error(error) {
        if (waitingForDrain) res.off('drain', onDrain)
        if (clientGone()) return resolve({ ended: 'client-gone', usage: usage() })
        const kind = networkErrorKind(error)
        trace.upstreamFailed = true
        trace.upstreamTimedOut = kind === 'timeout'
        if (sse) {
          res.end(proxyErrorEvent(kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable'))
        } else res.destroy()
        resolve({ ended: 'upstream-failed', error: kind, usage: usage() })
      },
    })
  })
}
