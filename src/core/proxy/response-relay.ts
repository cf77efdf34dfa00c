import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { proxyErrorEvent } from '../../shared/proxy-errors'
import { headerValue, type NetworkErrorKind } from '../pool'
import { mediaType } from './content-type'
import { forwardResponseHeaders } from './header-filter'
import { networkErrorKind } from '../pool/network-error-kind'
import { SseUsageReader } from './sse-usage-reader'
import type { RequestTrace } from '../usage/request-trace'
import type { TokenUsage } from './token-usage'
import { UsageChunkStripper } from './usage-chunk-stripper'
import { JsonUsageCollector } from './usage-from-json'

export interface RelayInput {
  res: ServerResponse
  statusCode: number
  headers: IncomingHttpHeaders
  body: Readable
  /** The proxy asked for the usage chunk on the client's behalf: remove it from the stream. */
  stripUsageChunk: boolean
  /** Aborted when the client leaves (or at the stop deadline). */
  signal: AbortSignal
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
 * compression, `X-Accel-Buffering: no`, and backpressure (the upstream is not read while the
 * client's socket is full, P7). Usage is read on the side from SSE or JSON bodies. Once this has
 * started nothing is retried: an upstream failure ends an SSE stream with an error event, and
 * any other body with a cut (P4).
 */
export async function relayResponse(input: RelayInput): Promise<RelayResult> {
  const { res, body, trace } = input
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
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer
      sseUsage?.push(bytes)
      jsonUsage?.push(bytes)
      const out = stripper ? stripper.push(bytes) : bytes
      if (out.length > 0) {
        trace.firstByteAt ??= performance.now()
        trace.bytesOut += out.length
        if (!res.write(out)) await drained(res)
      }
      if (res.destroyed) break
    }
  } catch (error) {
    if (input.signal.aborted || res.destroyed) return { ended: 'client-gone', usage: usage() }
    const kind = networkErrorKind(error)
    trace.upstreamFailed = true
    trace.upstreamTimedOut = kind === 'timeout'
    if (sse)
      res.end(proxyErrorEvent(kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable'))
    else res.destroy()
    return { ended: 'upstream-failed', error: kind, usage: usage() }
  }
  if (res.destroyed || input.signal.aborted) {
    body.destroy()
    return { ended: 'client-gone', usage: usage() }
  }
  const rest = stripper?.end()
  if (rest && rest.length > 0) {
    trace.firstByteAt ??= performance.now()
    trace.bytesOut += rest.length
    res.write(rest)
  }
  res.end()
  return { ended: 'complete', usage: sseUsage ? sseUsage.end() : (jsonUsage?.finish() ?? null) }
}

/** Resolves when the client's socket can take more, or when the response closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.once('drain', done)
    res.once('close', done)
  })
}
