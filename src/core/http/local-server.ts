import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Logger } from '../logger'
import { isAllowedHost } from './host-guard'
import { isAllowedOrigin } from './origin-guard'
import { sendJson } from './json-response'

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
  handler: RouteHandler
}

/**
 * The one HTTP listener of KeyPool: the proxy (`/v1`), `/health`, and in headless mode the admin
 * API and the web UI. Every request first passes the Host and Origin guards, whatever route it
 * targets. Handlers are mounted by path prefix; the longest prefix wins.
 */
export class LocalServer {
  private readonly server: http.Server
  private readonly mounts: Mount[] = []
  /** Open connections and how many requests each is serving right now. */
  private readonly sockets = new Map<Socket, number>()
  private draining = false
  private port = 0

  constructor(private readonly options: LocalServerOptions) {
    this.server = http.createServer(
      {
        headersTimeout: options.headersTimeoutMs ?? 30_000,
        // Streams may legitimately last many minutes; the proxy applies its own timeouts.
        requestTimeout: 0,
        keepAliveTimeout: 5_000,
      },
      (req, res) => this.dispatch(req, res),
    )
    this.server.on('connection', (socket) => {
      this.sockets.set(socket, 0)
      socket.once('close', () => this.sockets.delete(socket))
    })
    this.server.on('clientError', (error, socket) => {
      if (!socket.writable) return socket.destroy()
      const status = (error as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`)
    })
    this.mount('/health', (_req, res) => sendJson(res, 200, { status: 'ok' }))
  }

  /** Routes requests whose path is `prefix` or starts with `prefix/` (or any path for `/`). */
  mount(prefix: string, handler: RouteHandler): void {
    this.mounts.push({ prefix, handler })
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
    for (const [socket, active] of this.sockets) if (active === 0) socket.destroy()
    const timer = setTimeout(() => {
      for (const socket of this.sockets.keys()) socket.destroy()
    }, deadlineMs)
    timer.unref()
    await closed
    clearTimeout(timer)
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    this.track(req.socket, res)
    const guards = this.options.guardSettings()
    if (!isAllowedHost(req.headers.host, this.port, guards.allowedHosts)) {
      return forbidden(res, 'This server only answers requests addressed to this machine')
    }
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, guards.allowedOrigins)) {
      return forbidden(res, 'Requests from this web origin are not allowed')
    }
    const path = pathOf(req.url)
    const mount = this.mounts.find(
      (m) => m.prefix === '/' || path === m.prefix || path.startsWith(`${m.prefix}/`),
    )
    if (!mount) {
      return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } })
    }
    Promise.resolve()
      .then(() => mount.handler(req, res))
      .catch((error: unknown) => {
        this.options.logger.error('request handler failed', {
          path,
          error: error instanceof Error ? error.message : String(error),
        })
        if (!res.headersSent) {
          sendJson(res, 500, { error: { code: 'internal_error', message: 'Internal error' } })
        } else {
          res.destroy()
        }
      })
  }

  /** Counts the request on its socket; during a stop, finished sockets close instead of idling. */
  private track(socket: Socket, res: ServerResponse): void {
    this.sockets.set(socket, (this.sockets.get(socket) ?? 0) + 1)
    if (this.draining) res.setHeader('connection', 'close')
    res.once('close', () => {
      const before = this.sockets.get(socket)
      if (before === undefined) return
      this.sockets.set(socket, before - 1)
      if (this.draining && before === 1) socket.destroy()
    })
  }
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/'
  const end = raw.search(/[?#]/)
  return end === -1 ? raw : raw.slice(0, end)
}

function forbidden(res: ServerResponse, message: string): void {
  sendJson(res, 403, { error: { code: 'forbidden', message, type: 'invalid_request_error' } })
}
