import { skipValue } from './json-top-level'
import { isObject, normalizeUsage, type TokenUsage } from './token-usage'
import { readUsageBytes } from './usage-bytes-reader'
import { lastUsageObjectStart } from './usage-object-probe'

/**
 * The usage of a non-streamed JSON answer: the top-level `usage` of a chat completion,
 * completion, embedding, Responses API response, image or transcription.
 */
export function usageFromJson(body: unknown): TokenUsage | null {
  return isObject(body) ? normalizeUsage(body['usage']) : null
}

/**
 * Collects a JSON response's bytes as they are piped to the client and reads its usage at the
 * end. OpenAI-style APIs put `usage` at the top level, after the content (a chat completion's
 * choices, an embeddings array), and nothing after it holds a `usage` key of its own: so the
 * last `"usage"` key of the body is read, and only its object is parsed, not the whole answer
 * (a key inside a JSON string cannot match: its quotes are escaped). Memory stays bounded
 * (SECURITY.md P7): past `maxWholeBytes` only the last `tailBytes` are kept. A small body whose
 * last `"usage"` is not an object is parsed whole, as before.
 */
export class JsonUsageCollector {
  /** The chunks held, oldest first; null until the first (an answer is mostly one chunk). */
  private chunks: Uint8Array[] | null = null
  private only: Uint8Array | null = null
  private held = 0
  private total = 0

  constructor(
    private readonly maxWholeBytes = 4 * 1024 * 1024,
    private readonly tailBytes = 64 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    this.held += chunk.length
    this.total += chunk.length
    if (this.only === null && this.chunks === null) {
      this.only = chunk
      return
    }
    const chunks = (this.chunks ??= [this.only!])
    this.only = null
    chunks.push(chunk)
    if (this.total <= this.maxWholeBytes) return
    while (chunks.length > 1 && this.held - chunks[0]!.length >= this.tailBytes) {
      this.held -= chunks.shift()!.length
    }
  }

  finish(): TokenUsage | null {
    const only = this.only
    const bytes =
      only === null
        ? Buffer.concat(this.chunks ?? [], this.held)
        : Buffer.isBuffer(only)
          ? only
          : Buffer.from(only.buffer, only.byteOffset, only.length)
    this.chunks = null
    this.only = null
    try {
      const fromTail = usageFromTail(bytes)
      if (fromTail !== undefined || this.total > this.maxWholeBytes) return fromTail ?? null
      return usageFromJson(JSON.parse(bytes.toString('utf8')))
    } catch {
      return null
    }
  }
}

/**
 * The last `"usage"` object of `tail`, read from its bytes where it can be (`readUsageBytes`),
 * else parsed; null when there is no `"usage"` key at all, undefined when
 * there is one but its value is not a complete object (the caller may parse the whole body).
 */
function usageFromTail(tail: Buffer): TokenUsage | null | undefined {
  const start = lastUsageObjectStart(tail)
  if (start === null) return null
  if (start === -1) return undefined
  const read = readUsageBytes(tail, start)
  if (read !== undefined) return read
  const end = skipValue(tail, start)
  if (end === -1) return undefined
  return normalizeUsage(JSON.parse(tail.toString('utf8', start, end)))
}
