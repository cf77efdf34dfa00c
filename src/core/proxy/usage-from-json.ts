import { skipValue } from './json-top-level'
import { isObject, normalizeUsage, type TokenUsage } from './token-usage'

const usageKey = Buffer.from('"usage"')

/**
 * The usage of a non-streamed JSON answer: the top-level `usage` of a chat completion,
 * completion, embedding, Responses API response, image or transcription.
 */
export function usageFromJson(body: unknown): TokenUsage | null {
  return isObject(body) ? normalizeUsage(body['usage']) : null
}

/**
 * Collects a JSON response's bytes as they are piped to the client and reads its usage at the
 * end. Memory stays bounded (SECURITY.md P7): a body up to `maxWholeBytes` is parsed whole;
 * past that only the last `tailBytes` are kept, where OpenAI-style APIs put `usage` (after a
 * large embeddings array, for instance), and the last `"usage"` object there is read.
 */
export class JsonUsageCollector {
  private chunks: Uint8Array[] = []
  private held = 0
  private total = 0

  constructor(
    private readonly maxWholeBytes = 4 * 1024 * 1024,
    private readonly tailBytes = 64 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk)
    this.held += chunk.length
    this.total += chunk.length
    if (this.total <= this.maxWholeBytes) return
    while (this.chunks.length > 1 && this.held - this.chunks[0]!.length >= this.tailBytes) {
      this.held -= this.chunks.shift()!.length
    }
  }

  finish(): TokenUsage | null {
    const only = this.chunks.length === 1 ? this.chunks[0]! : null
    const bytes =
      only === null
        ? Buffer.concat(this.chunks, this.held)
        : Buffer.from(only.buffer, only.byteOffset, only.length)
    this.chunks = []
    try {
      if (this.total <= this.maxWholeBytes) return usageFromJson(JSON.parse(bytes.toString('utf8')))
      return usageFromTail(bytes)
    } catch {
      return null
    }
  }
}

function usageFromTail(tail: Buffer): TokenUsage | null {
  const key = tail.lastIndexOf(usageKey)
  if (key === -1) return null
  let i = key + usageKey.length
  while (isSpace(tail[i])) i += 1
  if (tail[i] !== 58) return null
  i += 1
  while (isSpace(tail[i])) i += 1
  const end = skipValue(tail, i)
  if (end === -1) return null
  return normalizeUsage(JSON.parse(tail.toString('utf8', i, end)))
}

function isSpace(byte: number | undefined): boolean {
  return byte === 32 || byte === 9 || byte === 10 || byte === 13
}
