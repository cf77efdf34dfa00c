import type { UpstreamExchange } from './upstream-exchange'

/** Error answers are small; a larger one is cut here rather than held in memory. */
export const maxErrorBodyBytes = 256 * 1024

export interface ErrorBody {
  bytes: Buffer
  /** The JSON value, when the body is JSON. */
  json: unknown
  /** The body was longer than the limit: `bytes` is its start, the rest was discarded. */
  truncated: boolean
}

/**
 * Reads a failed upstream answer in full (up to `limit`) so that it can be classified, and so its
 * connection goes back to the pool; a longer body is aborted, which closes that connection
 * instead (SECURITY P8: every upstream body is consumed or destroyed).
 */
export function readErrorBody(
  exchange: UpstreamExchange,
  limit = maxErrorBodyBytes,
): Promise<ErrorBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let length = 0
    let done = false
    const finish = (truncated: boolean): void => {
      if (done) return
      done = true
      const bytes = Buffer.concat(chunks, length)
      let json: unknown
      try {
        json = JSON.parse(bytes.toString('utf8'))
      } catch {
        json = bytes.toString('utf8')
      }
      resolve({ bytes, json, truncated })
    }
    exchange.pipe({
      data(chunk) {
        if (done) return false
        if (length + chunk.length > limit) {
          chunks.push(chunk.subarray(0, limit - length))
          length = limit
          finish(true)
          exchange.abort()
          return false
        }
        chunks.push(chunk)
        length += chunk.length
        return true
      },
      end: () => finish(false),
      error: () => finish(true),
    })
  })
}

/** Replaces every occurrence of `secret` in `bytes` (an upstream echoing our key, SECURITY S3). */
export function redactSecret(bytes: Buffer, secret: string): Buffer {
  const needle = Buffer.from(secret)
  if (needle.length === 0 || bytes.indexOf(needle) === -1) return bytes
  const mask = Buffer.from('[redacted]')
  const parts: Buffer[] = []
  let from = 0
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, from)) {
    parts.push(bytes.subarray(from, at), mask)
    from = at + needle.length
  }
  parts.push(bytes.subarray(from))
  return Buffer.concat(parts)
}
