import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'
import { SseEventFramer, type SseEventSink } from './sse-event-framer'
import { isObject, normalizeUsage, type TokenUsage } from './token-usage'
import { bytesHaveUsageObject, hasUsageObject, indexOfUsageKey } from './usage-object-probe'

/** Far above any real event; past it the reader gives up rather than buffer without bound. */
const maxEventBytes = 8 * 1024 * 1024

const empty = new Uint8Array(0)
const LF = 10
const CR = 13

/**
 * Watches a streamed (SSE) response for its token usage, without touching the bytes the client
 * gets. It reads the Chat Completions usage chunk (`usage` in a data object, the last one wins:
 * some servers repeat a running total) and the Responses API's final `response.completed`,
 * `response.incomplete` or `response.failed` event (`response.usage`). Bytes may split events
 * and UTF-8 sequences anywhere. A malformed stream never throws: its usage is simply unknown.
 *
 * Events are found on bytes (`SseEventFramer`), and only one that holds a `"usage"` key is
 * decoded and handed to the SSE parser: of a chat stream's dozens of events that is the last
 * one, and decoding and parsing all of them cost twice the rest of the reading.
 */
export class SseUsageReader implements SseEventSink {
  private readonly framer = new SseEventFramer()
  private readonly parser: EventSourceParser
  private found: TokenUsage | null = null
  private failed = false
  /** Whether the parser has been given anything. */
  private fed = false
  /** The bytes of the current event from earlier chunks. */
  private held: Uint8Array[] = []
  private heldLength = 0
  /** Whether the parser was given the last complete event (its split CRLF's LF goes too). */
  private lastParsed = false
  // The chunk being pushed and where its current event starts.
  private chunk: Uint8Array = empty
  private start = 0

  constructor() {
    this.parser = createParser({ onEvent: (event) => this.onEvent(event) })
  }

  /** The usage seen so far, or null. */
  get usage(): TokenUsage | null {
    return this.found
  }

  push(chunk: Uint8Array): void {
    if (this.failed) return
    this.chunk = chunk
    this.start = 0
    this.framer.scan(chunk, this)
    if (this.start < chunk.length) {
      this.heldLength += chunk.length - this.start
      if (this.heldLength > maxEventBytes) this.fail()
      else this.held.push(chunk.subarray(this.start))
    }
    this.chunk = empty
  }

  /**
   * Reads a last event that the upstream did not terminate with a blank line (a client would
   * still have acted on it), and returns the usage.
   */
  end(): TokenUsage | null {
    if (this.failed) return this.found
    if (this.heldLength > 0) {
      const event = Buffer.concat(this.held)
      this.held = []
      this.heldLength = 0
      this.parse(event, 0, event.length)
    }
    // Ends whatever the parser still holds (an unterminated event, a line end it waits on).
    if (this.fed) this.feed('\n\n')
    return this.found
  }

  previousEventLf(): void {
    if (this.lastParsed) this.feed('\n')
    this.start = 1
  }

  eventEnded(end: number): void {
    if (this.failed) return
    const { chunk, start } = this
    this.start = end
    if (this.heldLength === 0) {
      this.lastParsed = this.parse(chunk, start, end)
      return
    }
    const event = Buffer.concat([...this.held, chunk.subarray(start, end)])
    this.held = []
    this.heldLength = 0
    this.lastParsed = this.parse(event, 0, event.length)
  }

  /** Hands `bytes[from, to)`, one whole event, to the parser if it may hold usage. */
  private parse(bytes: Uint8Array, from: number, to: number): boolean {
    // A `"usage"` key in the event's data is a `"usage"` on one of its lines: a key cannot
    // span lines (a JSON string holds no raw line break).
    const key = indexOfUsageKey(bytes, from, to)
    if (key === -1) return false
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    // An event of one line (the norm) is its own data, if it has any: a `"usage"` that is not
    // an object there (`"usage":null`, in every chunk of a stream that asked for usage) is not
    // one after parsing either, and needs no decoding.
    if (isOneLine(buffer, from, to) && !bytesHaveUsageObject(buffer, key, to)) return false
    this.feed(buffer.toString('utf8', from, to))
    return true
  }

  private feed(text: string): void {
    this.fed = true
    try {
      this.parser.feed(text)
    } catch {
      this.fail()
    }
  }

  private fail(): void {
    this.failed = true
    this.held = []
    this.heldLength = 0
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
  }
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

function isResponseEnd(type: unknown): boolean {
  return (
    type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed'
  )
}
