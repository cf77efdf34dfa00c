import type { Readable } from 'node:stream'

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
 * connection goes back to the pool; a longer body is destroyed, which closes that connection
 * instead (SECURITY P8: every upstream body is consumed or destroyed).
 */
export async function readErrorBody(body: Readable, limit = maxErrorBodyBytes): Promise<ErrorBody> {
  const chunks: Buffer[] = []
  let length = 0
  let truncated = false
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer
      if (length + bytes.length > limit) {
        chunks.push(bytes.subarray(0, limit - length))
        length = limit
        truncated = true
        body.destroy()
        break
      }
      chunks.push(bytes)
      length += bytes.length
    }
  } catch {
    truncated = true
  }
  const bytes = Buffer.concat(chunks, length)
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch {
    json = bytes.toString('utf8')
  }
  return { bytes, json, truncated }
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
