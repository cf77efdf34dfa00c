import type { RequestOutcome } from '../../shared/contract/stats'

/**
 * One proxied request once its outcome is known: the row the request log, the roll-ups and the
 * live windows are made of. Never a body, a header or a secret.
 */
export interface CompletedRequest {
  /** Milliseconds since the epoch when the request ended (its outcome and usage became known). */
  at: number
  subKeyId: number | null
  providerId: number | null
  /** The key of the last upstream attempt; null when none was tried. */
  keyId: number | null
  model: string | null
  method: string
  /** The route without its query string, e.g. `/v1/chat/completions`. */
  endpoint: string
  /** The HTTP status the client received; 499 when it left before any answer. */
  status: number
  outcome: RequestOutcome
  errorCode: string | null
  latencyMs: number
  ttfbMs: number | null
  promptTokens: number
  completionTokens: number
  cachedTokens: number
  reasoningTokens: number
  totalTokens: number
  streamed: boolean
  bytesOut: number
  attempts: number
}

/** The status nginx made the convention for "the client closed the request". */
export const CLIENT_CLOSED_STATUS = 499

/**
 * How a request ended, from what the client got. A client that left is `cancelled` whatever was
 * sent: stopping a stream is the client's choice, not a failure of the pool. An answer that
 * broke after its headers is an upstream error whatever status those headers carried.
 */
export function outcomeOf(
  status: number,
  ended: { clientGone: boolean; upstreamFailed: boolean },
): RequestOutcome {
  if (ended.clientGone) return 'cancelled'
  if (ended.upstreamFailed || status >= 500) return 'upstream_error'
  if (status === 429) return 'rate_limited'
  if (status >= 400) return 'client_error'
  return 'success'
}

/** Outcomes that count as errors in the summary and the charts. */
export function isErrorOutcome(outcome: RequestOutcome): boolean {
  return outcome !== 'success' && outcome !== 'cancelled'
}
