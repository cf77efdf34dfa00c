import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'
import { asBuffer, SseEventFramer, type SseEventSink } from './sse-event-framer'
import { isObject, normalizeUsage, type TokenUsage } from './token-usage'
import { bytesHaveUsageObject, hasUsageObject, indexOfUsageKey } from './usage-object-probe'

const LF = 10
const CR = 13
const empty = new Uint8Array(0)
const emptyBuffer = Buffer.alloc(0)

/**
 * No usage-only chunk comes near this size; a longer event is forwarded as its bytes arrive
 * instead of being held, which bounds the delay it sees.
 */
const maxHeldBytes = 64 * 1024

/** Far above any real event; a longer one is not read for usage, which bounds memory. */
const maxReadBytes = 8 * 1024 * 1024

export interface SseUsageTapOptions {
  /**
   * The proxy asked for the usage chunk on the client's behalf (`stream_options.include_usage`)
   * and removes it: the chunk with `"choices": []` and a `usage` object (SPEC §4).
   */
  stripUsageChunk: boolean
}

/**
 * Reads the token usage of a streamed (SSE) response as it is relayed, and, when the proxy asked
 * for it, removes the usage-only chunk; every other byte passes unchanged and in order
 * (SECURITY.md P6), each event in the call that receives its last byte. It reads the Chat
 * Completions usage chunk (`usage` in a data object; the last one wins, some servers repeat a
 * running total) and the Responses API's final `response.completed`, `response.incomplete` or
 * `response.failed` event (`response.usage`). Bytes may split events and UTF-8 sequences
 * anywhere; a malformed stream never throws, its usage is simply unknown.
 *
 * One pass for both jobs, because it runs for every chunk of every stream: events are found on
 * bytes (`SseEventFramer`), a chunk's own events are offsets into it, and only an event whose
 * bytes hold a `"usage"` key with an object (the one usage chunk, not the `"usage":null` of
 * every other chunk) is decoded and handed to the SSE parser, once for both jobs.
 */
export class SseUsageTap implements SseEventSink {
  private readonly strip: boolean
  private readonly framer = new SseEventFramer()
  private readonly parser: EventSourceParser
  private found: TokenUsage | null = null
  /** The parser threw (it never should): usage is unknown and nothing more is removed. */
  private failed = false
  /** Whether the parser has been given anything (`end` then flushes it). */
  private fed = false
  /** Set by the parser's callback: the event just fed is the usage-only chunk. */
  private fedUsageOnly = false
  /** The current event's bytes from earlier chunks, while it is incomplete. */
  private held: Uint8Array[] = []
  private heldLength = 0
  /** The current event outgrew `maxReadBytes`: its bytes are no longer kept for reading. */
  private unreadable = false
  /** The current event outgrew `maxHeldBytes` and is forwarded as it arrives (held still read). */
  private passing = false
  /** Whether the last complete event went to the parser, and whether it was forwarded. */
  private lastParsed = false
  private lastForwarded = true
  // The chunk being pushed: where its current event starts, its forwarded range, its cuts.
  private chunk: Buffer = emptyBuffer
  private start = 0
  private kept = 0
  private out: Uint8Array[] | null = null

  constructor(options: SseUsageTapOptions) {
    this.strip = options.stripUsageChunk
    this.parser = createParser({ onEvent: (event) => this.onEvent(event) })
  }

  /** The usage seen so far, or null. */
  get usage(): TokenUsage | null {
    return this.found
  }

  /** The bytes to forward now for `chunk`; `chunk` itself when nothing is held or removed. */
  push(chunk: Uint8Array): Uint8Array {
    const n = chunk.length
    // `out` is null between pushes.
    this.chunk = asBuffer(chunk)
    this.start = 0
    this.kept = 0
    this.framer.scan(chunk, this)
    const start = this.start
    let kept = this.kept
    let out = this.out
    this.chunk = emptyBuffer
    this.out = null
    if (start < n) this.hold(chunk.subarray(start))
    if (!this.strip) return chunk
    let keptEnd = n
    if (start < n && !this.passing) {
      // The start of an event not complete yet: held until it is, or until it is too long.
      keptEnd = start
      if (this.heldLength > maxHeldBytes) {
        out = cut(out, chunk, kept, start)
        out.push(...this.held)
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
   * What is left to forward when the upstream ends: an event without its blank line, unless it
   * is the usage chunk (an SDK may still act on an unterminated last event). Its usage is read.
   */
  end(): Uint8Array {
    const held = this.unreadable ? empty : join(this.held)
    const forwarded = this.passing
    this.held = []
    this.heldLength = 0
    this.passing = false
    this.unreadable = false
    let usageOnly = false
    if (held.length > 0) usageOnly = this.inspect(asBuffer(held), 0, held.length, '\n\n')
    else if (this.fed) this.feed('\n\n')
    return !this.strip || forwarded || usageOnly ? empty : held
  }

  previousEventLf(): void {
    if (this.lastParsed) this.feed('\n')
    if (!this.lastForwarded) this.kept = 1
    this.start = 1
  }

  eventEnded(end: number): void {
    const { chunk, start } = this
    this.start = end
    const held = this.held
    const passing = this.passing
    const readable = !this.unreadable
    this.held = []
    this.heldLength = 0
    this.passing = false
    this.unreadable = false
    let usageOnly = false
    if (readable) {
      if (held.length === 0) usageOnly = this.inspect(chunk, start, end)
      else {
        const whole = Buffer.concat([...held, chunk.subarray(start, end)])
        usageOnly = this.inspect(whole, 0, whole.length)
      }
    } else this.lastParsed = false
    // An event already passing on is forwarded whole, whatever it was.
    const forwarded = passing || !this.strip || !usageOnly
    this.lastForwarded = forwarded
    if (!this.strip || passing) return
    if (held.length === 0) {
      if (!forwarded) {
        this.out = cut(this.out, chunk, this.kept, start)
        this.kept = end
      }
      return
    }
    // The event began in an earlier chunk: its held bytes, then `[start, end)` of this one.
    this.out = cut(this.out, chunk, this.kept, start)
    if (forwarded) this.out.push(...held)
    this.kept = forwarded ? start : end
  }

  /**
   * Reads `bytes[from, to)`, one whole event (or, with `suffix`, an unterminated last one), for
   * usage; true when it is the usage-only chunk.
   */
  private inspect(bytes: Buffer, from: number, to: number, suffix = ''): boolean {
    this.lastParsed = false
    if (this.failed) return false
    // A `"usage"` key in the event's data is a `"usage"` on one of its lines: a key cannot
    // span lines (a JSON string holds no raw line break).
    const key = indexOfUsageKey(bytes, from, to)
    if (key === -1) return false
    // An event of one line (the norm) is its own data, if it has any: a `"usage"` that is not
    // an object there (`"usage":null`, in every chunk of a stream that asked for usage) is not
    // one after parsing either, and needs no decoding.
    if (isOneLine(bytes, from, to) && !bytesHaveUsageObject(bytes, key, to)) return false
    this.fedUsageOnly = false
    this.feed(bytes.toString('utf8', from, to) + suffix)
    this.lastParsed = true
    return this.fedUsageOnly
  }

  private hold(piece: Uint8Array): void {
    if (this.unreadable) return
    this.held.push(piece)
    this.heldLength += piece.length
    if (this.heldLength > maxReadBytes && (this.passing || !this.strip)) {
      // Too long to read; forwarded already (or never held back): nothing needs it any more.
      this.unreadable = true
      this.held = []
      this.heldLength = 0
    }
  }

  private feed(text: string): void {
    this.fed = true
    try {
      this.parser.feed(text)
    } catch {
      this.failed = true
    }
  }

  private onEvent(event: EventSourceMessage): void {
    if (!hasUsageObject(event.data)) return
    let data: unknown
    try {
      data = JSON.parse(event.data)
    } catch {
      return
    }
    if (!isObject(data)) return
    const usage =
      normalizeUsage(data['usage']) ??
      (isResponseEnd(data['type']) && isObject(data['response'])
        ? normalizeUsage(data['response']['usage'])
        : null)
    if (usage !== null) this.found = usage
    this.fedUsageOnly =
      event.event === undefined &&
      Array.isArray(data['choices']) &&
      data['choices'].length === 0 &&
      isObject(data['usage'])
  }
}

function isResponseEnd(type: unknown): boolean {
  return (
    type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed'
  )
}

/** Whether `bytes[from, to)` is one line and the line ends that close the event. */
function isOneLine(bytes: Buffer, from: number, to: number): boolean {
  const lf = bytes.indexOf(LF, from)
  const cr = bytes.indexOf(CR, from)
  const first = lf === -1 || lf >= to ? cr : cr === -1 || cr >= to ? lf : Math.min(lf, cr)
  if (first === -1 || first >= to) return true
  for (let i = first; i < to; i++) if (bytes[i] !== LF && bytes[i] !== CR) return false
  return true
}

/** The bytes before a cut, appended to the pieces (created at the first cut). */
function cut(out: Uint8Array[] | null, chunk: Uint8Array, from: number, to: number): Uint8Array[] {
  const pieces = out ?? []
  if (to > from) pieces.push(chunk.subarray(from, to))
  return pieces
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return empty
  if (parts.length === 1) return parts[0]!
  return Buffer.concat(parts)
}
