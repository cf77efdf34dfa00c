import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RecordedRequest } from './mock-upstream-types'

/** How the exchange cuts its response short (reset-mid-stream / stall-mid-stream). */
export interface ExchangeCut {
  afterEvents: number
  mode: 'reset' | 'stall'
}

/** The OpenAI error body: `{"error":{"message","type","param","code"}}`. */
export function errorBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): { error: { message: string; type: string; param: string | null; code: string | null } } {
  return { error: { message, type, param, code } }
}

/**
 * One request/response pair. It owns every timer and wait of the request, so a client abort
 * (the response's 'close') stops all writing at once and nothing outlives the connection.
 */
export class MockExchange {
  /** True once the response finished or the connection went away. */
  closed = false
  /** Complete SSE events written so far. */
  events = 0
  /** Set by the reset/stall behaviours before the route runs. */
  cut: ExchangeCut | undefined
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly wakers = new Set<() => void>()

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: RecordedRequest,
    /** Headers on every response. */
    private readonly commonHeaders: Record<string, string>,
    /** Headers on successful responses only (the `x-ratelimit-*` family). */
    private readonly successHeaders: () => Record<string, string>,
    /** Splits one multi-byte character of the flagged event across two writes. */
    private readonly splitUtf8: boolean,
    /** Pause between SSE events; the `paced` behaviour sets it per request. */
    public chunkIntervalMs: number,
    /** Pause between a stream's head and its first event; the `paced` behaviour sets it. */
    public firstEventMs = 0,
  ) {
    res.once('close', () => this.onClose())
  }

  private onClose(): void {
    this.closed = true
    this.record.finished = this.res.writableFinished
    this.record.closedAt = Date.now()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const wake of this.wakers) wake()
    this.wakers.clear()
  }

  /** Waits `ms` (0 = yield to the event loop). Resolves false when the client went away. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const wake = (): void => resolve(false)
      if (ms <= 0) {
        setImmediate(() => resolve(!this.closed))
        return
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        this.wakers.delete(wake)
        resolve(!this.closed)
      }, ms)
      this.timers.add(timer)
      this.wakers.add(wake)
    })
  }

  /** Resolves when the connection closes (for `hang` and stalls). */
  untilClosed(): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => this.wakers.add(resolve))
  }

  /** Writes with backpressure: waits for 'drain' when the socket buffer is full. */
  write(chunk: Buffer | string): Promise<boolean> {
    if (this.closed || this.res.destroyed) return Promise.resolve(false)
    if (this.res.write(chunk)) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off('drain', drained)
        this.wakers.delete(done)
        resolve(false)
      }
      const drained = (): void => {
        this.wakers.delete(done)
        resolve(!this.closed)
      }
      this.res.once('drain', drained)
      this.wakers.add(done)
    })
  }

  /** Sends the status line and headers (common, plus success headers on 2xx). */
  head(status: number, headers: Record<string, string | number> = {}): void {
    if (this.closed || this.res.headersSent) return
    this.record.status = status
    const all: Record<string, string | number> = { ...this.commonHeaders }
    if (status < 400) Object.assign(all, this.successHeaders())
    this.res.writeHead(status, Object.assign(all, headers))
  }

  /** Ends the response (no-op once closed). */
  end(chunk?: Buffer | string): void {
    if (this.closed || this.res.destroyed) return
    if (chunk === undefined) this.res.end()
    else this.res.end(chunk)
  }

  /** A complete non-streamed answer, honouring a scripted cut (half the body, then cut). */
  async sendBytes(
    status: number,
    contentType: string,
    bytes: Buffer,
    headers: Record<string, string> = {},
  ): Promise<void> {
    this.head(status, { 'content-type': contentType, 'content-length': bytes.length, ...headers })
    if (this.cut) {
      await this.write(bytes.subarray(0, Math.floor(bytes.length / 2)))
      await this.applyCut()
      return
    }
    this.end(bytes)
  }

  sendJson(status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    return this.sendBytes(status, 'application/json', Buffer.from(JSON.stringify(body)), headers)
  }

  /** An OpenAI-shaped error. Never cut: errors are what a scripted failure already is. */
  sendError(
    status: number,
    message: string,
    type: string,
    code: string | null = null,
    param: string | null = null,
    headers: Record<string, string> = {},
  ): void {
    const bytes = Buffer.from(JSON.stringify(errorBody(message, type, code, param)))
    this.head(status, {
      'content-type': 'application/json',
      'content-length': bytes.length,
      ...headers,
    })
    this.end(bytes)
  }

  /** Starts an SSE response. */
  startStream(): void {
    this.head(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    })
    // Headers leave now, like a real SSE server: a reset after 0 events still shows a 200.
    if (!this.closed) this.res.flushHeaders()
  }

  /**
   * Writes one SSE event after the configured interval. With `split`, the bytes are cut inside
   * the first multi-byte UTF-8 character and sent as two writes a few ms apart, so they travel
   * in separate TCP segments. Resolves false when the stream must stop (client gone or cut).
   */
  async event(data: string, options: { name?: string; split?: boolean } = {}): Promise<boolean> {
    if (this.events > 0 && !(await this.sleep(this.chunkIntervalMs))) return false
    if (this.events === 0 && this.firstEventMs > 0 && !(await this.sleep(this.firstEventMs))) {
      return false
    }
    if (this.cut && this.events >= this.cut.afterEvents) {
      await this.applyCut()
      return false
    }
    const text = options.name ? `event: ${options.name}\ndata: ${data}\n\n` : `data: ${data}\n\n`
    const bytes = Buffer.from(text)
    const at = options.split && this.splitUtf8 ? splitIndex(bytes) : -1
    if (at > 0) {
      if (!(await this.write(bytes.subarray(0, at)))) return false
      if (!(await this.sleep(2))) return false
      if (!(await this.write(bytes.subarray(at)))) return false
    } else if (!(await this.write(bytes))) {
      return false
    }
    this.events++
    return true
  }

  /** Destroys the socket (reset) or idles until the client gives up (stall). */
  private async applyCut(): Promise<void> {
    if (this.cut?.mode === 'stall') {
      await this.untilClosed()
      return
    }
    // Let the written bytes leave before the reset, so the client sees them then the RST.
    await this.sleep(1)
    this.res.socket?.destroy()
  }
}

/** The index just after the lead byte of the first multi-byte UTF-8 character, or -1. */
function splitIndex(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] ?? 0) >= 0xc0) return i + 1
  }
  return -1
}
