import { isObject } from './token-usage'
import { bytesHaveUsageObject } from './usage-object-probe'

const LF = 10
const CR = 13
const empty = new Uint8Array(0)

/**
 * No usage-only chunk comes near this size; a longer event is forwarded as its bytes arrive
 * instead of being held, which bounds both memory and delay.
 */
const maxHeldBytes = 64 * 1024

/**
 * Removes, from a streamed chat completion, the one SSE event the proxy asked for on the client's
 * behalf (`stream_options.include_usage`): the chunk with `"choices": []` and a `usage` object.
 * Every other byte passes unchanged and in order (SECURITY.md P6). Event boundaries are found on
 * bytes (a blank line, with LF, CRLF or CR line ends), so multi-byte UTF-8 is never split or
 * re-encoded. Only the current, unfinished event is held back; each event is forwarded in the
 * call that receives its last byte.
 */
export class UsageChunkStripper {
  private held: Uint8Array[] = []
  private heldLength = 0
  /** The current event outgrew `maxHeldBytes` and is being forwarded as it arrives. */
  private passing = false
  private lineHasContent = false
  /**
   * The chunk ended on a CR, so a leading LF in the next one completes that line end: it belongs
   * to the current event (`line`), or to an event already forwarded or dropped.
   */
  private pendingLf: 'none' | 'line' | 'forward' | 'drop' = 'none'

  /**
   * The bytes to forward now for `chunk`; `chunk` itself when nothing is held or removed. It runs
   * for every chunk of every stream, so the chunk's own events are handled as offsets into it:
   * forwarded bytes are one range `[kept, …)` that is cut only around a removed event, and a
   * piece is copied out only for a cut or for an event that is not complete yet.
   */
  push(chunk: Uint8Array): Uint8Array {
    const n = chunk.length
    let out: Uint8Array[] | null = null
    let kept = 0
    let start = 0
    let i = 0
    if (this.pendingLf !== 'none' && n > 0) {
      if (chunk[0] === LF) {
        if (this.pendingLf === 'drop') kept = 1
        if (this.pendingLf !== 'line') start = 1
        i = 1
      }
      this.pendingLf = 'none'
    }
    let lineHasContent = this.lineHasContent
    for (; i < n; i += 1) {
      const byte = chunk[i]
      if (byte !== LF && byte !== CR) {
        lineHasContent = true
        continue
      }
      let end = i + 1
      if (byte === CR && chunk[end] === LF) end += 1
      i = end - 1
      if (lineHasContent) {
        lineHasContent = false
        if (byte === CR && end === n) this.pendingLf = 'line'
        continue
      }
      // A blank line: the event that began at `start` (after any held bytes) ends at `end`.
      let forwarded = true
      if (this.passing) this.passing = false
      else if (this.held.length === 0) {
        if (isUsageOnlyEvent(chunk, start, end)) {
          forwarded = false
          out = cut(out, chunk, kept, start)
          kept = end
        }
      } else {
        const held = this.held
        this.held = []
        this.heldLength = 0
        const whole = Buffer.concat([...held, chunk.subarray(start, end)])
        forwarded = !isUsageOnlyEvent(whole, 0, whole.length)
        out = cut(out, chunk, kept, start)
        if (forwarded) out.push(...held)
        kept = forwarded ? start : end
      }
      if (byte === CR && end === n) this.pendingLf = forwarded ? 'forward' : 'drop'
      start = end
    }
    this.lineHasContent = lineHasContent
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
