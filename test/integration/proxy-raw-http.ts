import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import net from 'node:net'

export interface RawAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface RawRequest {
  method?: string
  path: string
  headers?: OutgoingHttpHeaders
  body?: Buffer | string
  /** Send `Expect: 100-continue` and the body only after the server's 100. */
  expectContinue?: boolean
}

/**
 * A request with exactly the headers given (fetch forbids some, such as `Connection`, `Host` and
 * `Expect`), on a fresh connection.
 */
export function rawRequest(origin: string, request: RawRequest): Promise<RawAnswer> {
  const url = new URL(origin)
  return new Promise((resolve, reject) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body)
    const headers: OutgoingHttpHeaders = { ...request.headers }
    if (
      body &&
      headers['content-length'] === undefined &&
      headers['transfer-encoding'] === undefined
    ) {
      headers['content-length'] = body.length
    }
    if (request.expectContinue) headers['expect'] = '100-continue'
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method ?? 'POST',
        path: request.path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (request.expectContinue) {
      req.on('continue', () => req.end(body))
      req.flushHeaders()
    } else req.end(body)
  })
}

/** Writes raw bytes on a socket and returns whatever comes back before the server closes. */
export function rawSocket(origin: string, bytes: string, waitMs = 500): Promise<string> {
  const url = new URL(origin)
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname)
    const chunks: Buffer[] = []
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(chunks).toString('latin1'))
    }
    const timer = setTimeout(done, waitMs)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('close', done)
    socket.on('error', done)
    socket.write(bytes)
  })
}

export interface RawExchangeOptions {
  /** Half-close (send FIN) once everything is written, as a client that has nothing more to say. */
  halfClose?: boolean
  /** Gives up waiting for the server to close after this long (default 1,500 ms). */
  waitMs?: number
}

/**
 * Writes `chunks` on a fresh connection, one after another, and collects every byte the server
 * sends until it closes the connection (or `waitMs` passes). `closedByServer` tells which.
 */
export function rawExchange(
  origin: string,
  chunks: readonly (string | Buffer)[],
  options: RawExchangeOptions = {},
): Promise<{ text: string; closedByServer: boolean }> {
  const url = new URL(origin)
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname)
    const received: Buffer[] = []
    let closedByServer = false
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ text: Buffer.concat(received).toString('latin1'), closedByServer })
    }
    const timer = setTimeout(done, options.waitMs ?? 1_500)
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('end', () => {
      closedByServer = true
      done()
    })
    socket.on('close', done)
    // A reset after the answer arrived is still an answer; what was received is kept.
    socket.on('error', done)
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk)
      if (options.halfClose) socket.end()
    })
  })
}

export interface ParsedResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Splits the bytes of a connection into HTTP/1.1 responses (Content-Length, chunked or
 * read-to-close bodies), so a test can count them: a smuggled request shows as a second one.
 */
export function parseRawResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = []
  let rest = text
  for (let guard = 0; guard < 100 && rest.length > 0; guard++) {
    const headEnd = rest.indexOf('\r\n\r\n')
    if (headEnd === -1) break
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n')
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')
    if (!status) break
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    rest = rest.slice(headEnd + 4)
    let body = ''
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length'])
      body = rest.slice(0, length)
      rest = rest.slice(length)
    } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      for (let chunks = 0; chunks < 10_000; chunks++) {
        const sizeEnd = rest.indexOf('\r\n')
        if (sizeEnd === -1) break
        const size = parseInt(rest.slice(0, sizeEnd), 16)
        rest = rest.slice(sizeEnd + 2)
        if (!Number.isFinite(size) || size === 0) {
          rest = rest.slice(rest.indexOf('\r\n') + 2)
          break
        }
        body += rest.slice(0, size)
        rest = rest.slice(size + 2)
      }
    } else {
      body = rest
      rest = ''
    }
    responses.push({ status: Number(status[1]), headers, body })
  }
  return responses
}

/**
 * Writes `pieces` on a fresh connection one every `intervalMs` (a slowloris client), and collects
 * what the server sends until it closes the connection or the pieces run out.
 */
export function rawTrickle(
  origin: string,
  pieces: readonly string[],
  intervalMs = 100,
): Promise<{ text: string; closedByServer: boolean }> {
  const url = new URL(origin)
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname)
    const received: Buffer[] = []
    let closedByServer = false
    let next = 0
    const finish = () => {
      clearInterval(timer)
      socket.destroy()
      resolve({ text: Buffer.concat(received).toString('latin1'), closedByServer })
    }
    const timer = setInterval(() => {
      if (next < pieces.length && socket.writable) socket.write(pieces[next++]!)
      else finish()
    }, intervalMs)
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('end', () => {
      closedByServer = true
      finish()
    })
    socket.on('close', finish)
    socket.on('error', finish)
  })
}
