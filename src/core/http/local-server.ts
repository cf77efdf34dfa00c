import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '../logger'
import { isAllowedHost } from './host-guard'
import { isAllowedOrigin } from './origin-guard'
import { sendJson } from './json-response'
import {
  MAX_REQUEST_HEADERS,
  headersTooLarge,
  invalidRequest,
  rawRefusal,
  refusalBody,
  refusalForParseError,
  type ListenerRefusal,
} from './listener-refusal'

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface LocalServerOptions {
  logger: Logger
  /** Read on every request so a settings change applies without a restart. */
  guardSettings: () => { allowedHosts: readonly string[]; allowedOrigins: readonly string[] }
  /** Milliseconds a client may take to send its request headers. */
  headersTimeoutMs?: number
}

interface Mount {
  prefix: string
  /** `prefix` + `/`, built once rather than per request. */
  under: string
  handler: RouteHandler
}

type GuardSettings = ReturnType<LocalServerOptions['guardSettings']>

/**
 * How long a refused connection may go on sending (its bytes are dropped) before it is closed:
 * closing a socket with unread bytes resets it, and the client could lose the answer.
 */
const REFUSED_LINGER_MS = 1_000

/**
 * The one HTTP listener of KeyPool: the proxy (`/v1`), `/health`, and in headless mode the admin
 * API and the web UI. Every request first passes the Host and Origin guards, whatever route it
 * targets. Handlers are mounted by path prefix; the longest prefix wins.
 */
export class LocalServer {
  private readonly server: http.Server
  private readonly mounts: Mount[] = []
  /**
   * Open connections and their responses not known to be done, oldest first: one, a few when
   * pipelined. Responses on a connection finish in order, so done ones are dropped from the front
   * when the next request comes, and no listener per response is needed (that listener also made
   * the response's `close` listeners a list with the proxy's own; docs/performance.md, "Ninth
   * round").
   */
  private readonly sockets = new Map<Socket, ServerResponse[]>()
  /** Connections answered on the raw socket, now only waiting to close. */
  private readonly refused = new WeakSet<Duplex>()
  private draining = false
  private port = 0
  /** The last Host header judged and the verdict: clients send the same one every request. */
  private lastHost: {
    value: string | undefined
    port: number
    guards: GuardSettings
    allowed: boolean
  } | null = null

  constructor(private readonly options: LocalServerOptions) {
    const headersTimeout = options.headersTimeoutMs ?? 30_000
    this.server = http.createServer(
      {
        headersTimeout,
        // Node enforces the headers timeout on this tick (30 s by default): a slow client could
        // otherwise hold a connection for up to twice the timeout (SECURITY.md P2).
        connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(headersTimeout / 4))),
        // Streams may legitimately last many minutes; the proxy applies its own timeouts.
        requestTimeout: 0,
        keepAliveTimeout: 5_000,
        // `dispatch` refuses a missing (or repeated) Host itself, in JSON, not Node's empty 400.
        requireHostHeader: false,
      },
      (req, res) => this.dispatch(req, res),
    )
    // Node 24 refuses a request past this count (HPE_HEADER_OVERFLOW: 431 below); earlier
    // versions dropped the extra headers silently, so `dispatch` checks the count as well.
    this.server.maxHeadersCount = MAX_REQUEST_HEADERS + 1
    this.server.on('connection', (socket) => {
      this.sockets.set(socket, [])
      socket.once('close', () => this.sockets.delete(socket))
    })
    // What Node's parser refuses (malformed, smuggling-shaped, too large, too slow) would get
    // an empty 400 from Node; KeyPool answers in its JSON error shape instead (SECURITY.md I2).
    this.server.on('clientError', (error, socket) =>
      this.refuseConnection(socket, refusalForParseError(error)),
    )
    // Without these listeners Node drops a CONNECT silently and answers a foreign `Expect` with
    // an empty 417.
    this.server.on('connect', (_req, socket) => {
      this.refuseConnection(socket, {
        status: 405,
        code: 'method_not_allowed',
        message: 'CONNECT is not supported',
      })
      socket.resume()
    })
    this.server.on('checkExpectation', (_req, res) =>
      refuse(res, {
        status: 417,
        code: 'expectation_failed',
        message: 'Only "Expect: 100-continue" is supported',
      }),
    )
    this.mount('/health', (_req, res) => sendJson(res, 200, { status: 'ok' }))
  }

  /** Routes requests whose path is `prefix` or starts with `prefix/` (or any path for `/`). */
  mount(prefix: string, handler: RouteHandler): void {
    this.mounts.push({ prefix, under: `${prefix}/`, handler })
    this.mounts.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address() as AddressInfo
    this.port = address.port
    return address
  }

  get listening(): boolean {
    return this.server.listening
  }

  /**
   * Stops accepting connections, lets in-flight requests finish until the deadline, then
   * destroys whatever is left.
   */
  async close(deadlineMs = 10_000): Promise<void> {
    if (!this.server.listening) return
    this.draining = true
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    // Connections without a request in flight (idle keep-alive, or opened and never used) would
    // otherwise hold the stop until the deadline.
    // One with a request under way closes once its last response has: later requests on it are
    // answered with `Connection: close` (`track`), and Node closes the connection after those.
    for (const [socket, responses] of this.sockets) {
      const last = responses.at(-1)
      if (last === undefined || isDone(last)) socket.destroy()
      else last.once('close', () => responses.at(-1) === last && socket.destroy())
    }
    const timer = setTimeout(() => {
      for (const socket of this.sockets.keys()) socket.destroy()
    }, deadlineMs)
    timer.unref()
    await closed
    clearTimeout(timer)
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    this.track(req.socket, res)
    if (req.rawHeaders.length / 2 > MAX_REQUEST_HEADERS) {
      return refuse(res, headersTooLarge(`More than ${MAX_REQUEST_HEADERS} request headers`))
    }
    // Node keeps the first of several Host headers; a front end may keep another (RFC 9112 §3.2).
    if (countHeader(req.rawHeaders, 'host') !== 1) {
      return refuse(res, invalidRequest('Send exactly one Host header'))
    }
    const guards = this.options.guardSettings()
    if (!this.hostAllowed(req.headers.host, guards)) {
      return forbidden(res, 'This server only answers requests addressed to this machine')
    }
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, guards.allowedOrigins)) {
      return forbidden(res, 'Requests from this web origin are not allowed')
    }
    const path = pathOf(req.url)
    const mount = this.mounts.find(
      (m) => m.prefix === '/' || path === m.prefix || path.startsWith(m.under),
    )
    if (!mount) {
      return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } })
    }
    // Called at once, not from a microtask: one promise and one turn less per request.
    let result: void | Promise<void>
    try {
      result = mount.handler(req, res)
    } catch (error) {
      this.handlerFailed(error, path, res)
      return
    }
    if (result) result.catch((error: unknown) => this.handlerFailed(error, path, res))
  }

  private hostAllowed(host: string | undefined, guards: GuardSettings): boolean {
    const last = this.lastHost
    if (last !== null && last.value === host && last.port === this.port && last.guards === guards) {
      return last.allowed
    }
    const allowed = isAllowedHost(host, this.port, guards.allowedHosts)
    this.lastHost = { value: host, port: this.port, guards, allowed }
    return allowed
  }

  private handlerFailed(error: unknown, path: string, res: ServerResponse): void {
    this.options.logger.error('request handler failed', {
      path,
      error: error instanceof Error ? error.message : String(error),
    })
    if (!res.headersSent) {
      sendJson(res, 500, { error: { code: 'internal_error', message: 'Internal error' } })
    } else {
      res.destroy()
    }
  }

  /** Notes the response on its connection; during a stop, it will close the connection. */
  private track(socket: Socket, res: ServerResponse): void {
    if (this.draining) res.setHeader('connection', 'close')
    const responses = this.sockets.get(socket)
    if (!responses) return
    while (responses.length > 0 && isDone(responses[0]!)) responses.shift()
    responses.push(res)
  }

  /**
   * Answers `refusal` on a socket that has no response to write it through, and closes it.
   * When a response on this connection has started, a second answer would corrupt it: the
   * connection is only cut, as Node itself does.
   */
  private refuseConnection(socket: Duplex, refusal: ListenerRefusal): void {
    // Later parse errors of a refused connection: its bytes are being dropped until it closes.
    if (this.refused.has(socket)) return
    if (socket.listenerCount('error') === 0) socket.on('error', () => {})
    const responses = this.sockets.get(socket as Socket) ?? []
    const responding = responses.some((r) => r.headersSent && !isDone(r))
    if (!socket.writable || responding) {
      socket.destroy()
      return
    }
    this.refused.add(socket)
    socket.end(rawRefusal(refusal))
    const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  }
}

/** A response that has nothing more to send: finished, or cut. */
function isDone(res: ServerResponse): boolean {
  return res.writableFinished || res.destroyed
}

/** Answers a refusal through a response, closing the connection (the body was not read). */
function refuse(res: ServerResponse, refusal: ListenerRefusal): void {
  sendJson(res, refusal.status, refusalBody(refusal), { connection: 'close' })
}

/** How often `name` (lower case) occurs; only names of its length are lower-cased. */
function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const header = rawHeaders[i]!
    if (header.length === name.length && header.toLowerCase() === name) count += 1
  }
  return count
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/'
  const end = raw.search(/[?#]/)
  return end === -1 ? raw : raw.slice(0, end)
}

function forbidden(res: ServerResponse, message: string): void {
  sendJson(res, 403, { error: { code: 'forbidden', message, type: 'invalid_request_error' } })
}
