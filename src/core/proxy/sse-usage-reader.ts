import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'
import { isObject, normalizeUsage, type TokenUsage } from './token-usage'
import { hasUsageObject } from './usage-object-probe'

/** Far above any real event; past it the reader gives up rather than buffer without bound. */
const maxEventChars = 8 * 1024 * 1024

/**
 * Watches a streamed (SSE) response for its token usage, without touching the bytes the client
 * gets. It reads the Chat Completions usage chunk (`usage` in a data object, the last one wins:
 * some servers repeat a running total) and the Responses API's final `response.completed`,
 * `response.incomplete` or `response.failed` event (`response.usage`). Bytes may split events
 * and UTF-8 sequences anywhere. A malformed stream never throws: its usage is simply unknown.
 */
export class SseUsageReader {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly parser: EventSourceParser
  private found: TokenUsage | null = null
  private failed = false

  constructor() {
    this.parser = createParser({
      onEvent: (event) => this.onEvent(event),
      maxBufferSize: maxEventChars,
    })
  }

  /** The usage seen so far, or null. */
  get usage(): TokenUsage | null {
    return this.found
  }

  push(chunk: Uint8Array): void {
    this.feed(this.decoder.decode(chunk, { stream: true }))
  }

  /**
   * Reads a last event that the upstream did not terminate with a blank line (a client would
   * still have acted on it), and returns the usage.
   */
  end(): TokenUsage | null {
    this.feed(this.decoder.decode())
    this.feed('\n\n')
    return this.found
  }

  private feed(text: string): void {
    if (this.failed || text === '') return
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
  }
}

function isResponseEnd(type: unknown): boolean {
  return (
    type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed'
  )
}
