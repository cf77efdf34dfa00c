import type { TokenUsage } from '../proxy/token-usage'

/**
 * What the proxied request and the relay learn about one request while serving it, read once when
 * it ends to make its log row. A plain mutable record: filling it costs a few assignments on
 * the hot path, and it survives a thrown error (the key of the last attempt is still known).
 */
export interface RequestTrace {
  keyId: number | null
  providerId: number | null
  /** Upstream requests sent (failover included). */
  attempts: number
  /** The status sent to the client once an upstream answer's headers went out. */
  status: number | null
  /** `performance.now()` when the first body byte was written to the client. */
  firstByteAt: number | null
  bytesOut: number
  streamed: boolean
  usage: TokenUsage | null
  /** The upstream broke off an answer already under way. */
  upstreamFailed: boolean
  upstreamTimedOut: boolean
}
