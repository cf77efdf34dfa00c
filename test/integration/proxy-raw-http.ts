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
