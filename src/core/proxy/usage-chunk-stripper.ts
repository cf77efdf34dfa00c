import { SseEventFramer, type SseEventSink } from './sse-event-framer'
import { isObject } from './token-usage'
import { bytesHaveUsageObject } from './usage-object-probe'

const empty = new Uint8Array(0)

/**
 * No usage-only chunk comes near this size; a longer event is forwarded as its bytes arrive
 * instead of being held, which bounds both memory and delay.
 */
const maxHeldBytes = 64 * 1024

/**
 * Removes, from a streamed chat completion, the one SSE event the proxy asked for on the client's
 * behalf (`stream_options.include_usage`): the chunk with `"choices": []` and a `usage` object.
 * Every other byte passes unchanged and in order (SECURITY.md P6). Events are found on bytes
 * (`SseEventFramer`), so multi-byte UTF-8 is never split or re-encoded. Only the current,
 * unfinished event is held back; each event is forwarded in the call that receives its last byte.
 *
 * It runs for every chunk of every stream, so a chunk's own events are offsets into it: the
 * forwarded bytes are one range `[kept, …)`, cut only around a removed event, and a piece is
 * copied out only at a cut or for an event that is not complete yet.
 */
export class UsageChunkStripper implements SseEventSink {
  private readonly framer = new SseEventFramer()
  private held: Uint8Array[] = []
  private heldLength = 0
  /** The current event outgrew `maxHeldBytes` and is being forwarded as it arrives. */
  private passing = false
  /** Whether the last complete event was forwarded (its split CRLF's LF goes the same way). */
  private lastForwarded = true
  // The chunk being pushed: where its current event starts, its forwarded range, its cuts.
  private chunk: Uint8Array = empty
  private start = 0
  private kept = 0
  private out: Uint8Array[] | null = null

  /** The bytes to forward now for `chunk`; `chunk` itself when nothing is held or removed. */
  push(chunk: Uint8Array): Uint8Array {
    const n = chunk.length
    // `out` is null between pushes.
    this.chunk = chunk
    this.start = 0
    this.kept = 0
    this.framer.scan(chunk, this)
    const start = this.start
    let kept = this.kept
    let out = this.out
    this.chunk = empty
    this.out = null
    let keptEnd = n
    if (start < n && !this.passing) {
      // The start of an event not complete yet: held until it is, or until it is too long.
      keptEnd = start
      this.held.push(chunk.subarray(start))
      this.heldLength += n - start
      if (this.heldLength > maxHeldBytes) {
        out = cut(out, chunk, kept, start)
        out.push(...this.held)
        this.held = []
        this.heldLength = 0
        this.passing = true
        kept = n
        keptEnd = n
      }
    }
    if (out === null) {
      if (kept === 0 && keptEnd === n) return chunk
      return keptEnd > kept ? chunk.subarray(kept, keptEnd) : empty
    }
    if (keptEnd > kept) out.push(chunk.subarray(kept, keptEnd))
    return join(out)
  }

  previousEventLf(): void {
    if (!this.lastForwarded) this.kept = 1
    this.start = 1
  }

  eventEnded(end: number): void {
    const { chunk, start } = this
    let forwarded = true
    if (this.passing) this.passing = false
    else if (this.held.length === 0) {
      if (isUsageOnlyEvent(chunk, start, end)) {
        forwarded = false
        this.out = cut(this.out, chunk, this.kept, start)
        this.kept = end
      }
    } else {
      // The event began in an earlier chunk: its held bytes, then `[start, end)` of this one.
      const held = this.held
      this.held = []
      this.heldLength = 0
      const whole = Buffer.concat([...held, chunk.subarray(start, end)])
      forwarded = !isUsageOnlyEvent(whole, 0, whole.length)
      this.out = cut(this.out, chunk, this.kept, start)
      if (forwarded) this.out.push(...held)
      this.kept = forwarded ? start : end
    }
    this.lastForwarded = forwarded
    this.start = end
  }

  /**
   * What is still held when the upstream ends: an event without its blank line, unless it is the
   * usage chunk (an SDK may still act on an unterminated last event).
   */
  end(): Uint8Array {
    const held = join(this.held)
    const rest = this.passing || !isUsageOnlyEvent(held, 0, held.length) ? held : empty
    this.held = []
    this.heldLength = 0
    this.passing = false
    return rest
  }
}

/** The bytes before a cut, appended to the pieces (created at the first cut). */
function cut(out: Uint8Array[] | null, chunk: Uint8Array, from: number, to: number): Uint8Array[] {
  const pieces = out ?? []
  if (to > from) pieces.push(chunk.subarray(from, to))
  return pieces
}

/** Whether the event in `bytes[from, to)` has for data a chunk with no choices and a usage object. */
function isUsageOnlyEvent(bytes: Uint8Array, from: number, to: number): boolean {
  if (!bytesHaveUsageObject(bytes, from, to)) return false
  const data: string[] = []
  for (const line of asBuffer(bytes)
    .toString('utf8', from, to)
    .split(/\r\n|\r|\n/)) {
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
    else if (line.startsWith('event:')) return false
  }
  try {
    const chunk: unknown = JSON.parse(data.join('\n'))
    return (
      isObject(chunk) &&
      Array.isArray(chunk['choices']) &&
      chunk['choices'].length === 0 &&
      isObject(chunk['usage'])
    )
  } catch {
    return false
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return empty
  if (parts.length === 1) return parts[0]!
  return Buffer.concat(parts)
}
