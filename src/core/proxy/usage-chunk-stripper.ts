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

  /** The bytes to forward now for `chunk`; `chunk` itself when nothing is held or removed. */
  push(chunk: Uint8Array): Uint8Array {
    const out: Uint8Array[] = []
    let start = 0
    let i = 0
    if (this.pendingLf !== 'none' && chunk.length > 0) {
      if (chunk[0] === LF) {
        if (this.pendingLf === 'forward') out.push(chunk.subarray(0, 1))
        if (this.pendingLf !== 'line') start = 1
        i = 1
      }
      this.pendingLf = 'none'
    }
    for (; i < chunk.length; i += 1) {
      const byte = chunk[i]
      if (byte !== LF && byte !== CR) {
        this.lineHasContent = true
        continue
      }
      let end = i + 1
      if (byte === CR && chunk[end] === LF) end += 1
      if (this.lineHasContent) {
        this.lineHasContent = false
        if (byte === CR && end === chunk.length) this.pendingLf = 'line'
        i = end - 1
        continue
      }
      const forwarded = this.finishEvent(chunk.subarray(start, end), out)
      if (byte === CR && end === chunk.length) this.pendingLf = forwarded ? 'forward' : 'drop'
      start = end
      i = end - 1
    }
    if (start < chunk.length) this.hold(chunk.subarray(start), out)
    if (out.length === 1 && out[0]!.length === chunk.length) return chunk
    return join(out)
  }

  /**
   * What is still held when the upstream ends: an event without its blank line, unless it is the
   * usage chunk (an SDK may still act on an unterminated last event).
   */
  end(): Uint8Array {
    const rest = this.passing || !isUsageOnlyEvent(this.held) ? join(this.held) : empty
    this.held = []
    this.heldLength = 0
    this.passing = false
    return rest
  }

  /** Forwards or drops the event ending with `tail`; true when forwarded. */
  private finishEvent(tail: Uint8Array, out: Uint8Array[]): boolean {
    if (this.passing) {
      this.passing = false
      out.push(tail)
      return true
    }
    const parts = this.held.length === 0 ? [tail] : [...this.held, tail]
    this.held = []
    this.heldLength = 0
    if (isUsageOnlyEvent(parts)) return false
    out.push(...parts)
    return true
  }

  private hold(piece: Uint8Array, out: Uint8Array[]): void {
    if (this.passing) {
      out.push(piece)
      return
    }
    this.held.push(piece)
    this.heldLength += piece.length
    if (this.heldLength > maxHeldBytes) {
      out.push(...this.held)
      this.held = []
      this.heldLength = 0
      this.passing = true
    }
  }
}

/** Whether an event's data is a chunk with no choices and a usage object. */
function isUsageOnlyEvent(parts: Uint8Array[]): boolean {
  const bytes = parts.length === 1 ? asBuffer(parts[0]!) : Buffer.concat(parts)
  if (!bytesHaveUsageObject(bytes)) return false
  const data: string[] = []
  for (const line of bytes.toString('utf8').split(/\r\n|\r|\n/)) {
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
