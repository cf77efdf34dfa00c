import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { LocalServer } from '../../../../src/core/http/local-server'
import { silentLogger } from '../../../../src/core/logger'

const servers: LocalServer[] = []

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close(0)
})

async function start(): Promise<{ server: LocalServer; port: number }> {
  const server = new LocalServer({
    logger: silentLogger,
    guardSettings: () => ({ allowedHosts: [], allowedOrigins: [] }),
  })
  server.mount('/slow', (_req, res) => {
    setTimeout(() => res.end('done'), 300)
  })
  servers.push(server)
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, port }
}

const connect = (port: number) =>
  new Promise<net.Socket>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket))
  })

describe('LocalServer.close', () => {
  it('does not wait for connections that carry no request', async () => {
    const { server, port } = await start()
    const silent = await connect(port)
    const keptAlive = await fetch(`http://127.0.0.1:${port}/health`)
    await keptAlive.text()
    const started = performance.now()
    await server.close(10_000)
    expect(performance.now() - started).toBeLessThan(2_000)
    silent.destroy()
  })

  it('lets a request in flight finish before it resolves', async () => {
    const { server, port } = await start()
    const answer = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text())
    await new Promise((resolve) => setTimeout(resolve, 50))
    await server.close(10_000)
    expect(await answer).toBe('done')
  })

  it('cuts what is still running at the deadline', async () => {
    const { server, port } = await start()
    server.mount('/forever', () => {})
    const answer = fetch(`http://127.0.0.1:${port}/forever`).catch((error: Error) => error)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await server.close(100)
    expect(await answer).toBeInstanceOf(Error)
  })
})

/** Writes `first`, then `next` once the server has answered something; collects until close. */
function converse(port: number, first: string, next: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let sentNext = false
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (!sentNext) {
        sentNext = true
        socket.write(next)
      }
    })
    const timer = setTimeout(() => socket.destroy(), 2_000)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
    socket.on('error', () => {})
    socket.write(first)
  })
}

describe('LocalServer refusals (SECURITY.md I2)', () => {
  it('answers a parse error in JSON and closes the connection', async () => {
    const { port } = await start()
    const answer = await converse(port, 'BREW /pot HTTP/1.1\r\n\r\n', '')
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(answer).toContain('Connection: close')
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
      error: { code: string; type: string; message: string }
    }
    expect(body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' })
    expect(body.error.message).toContain('HPE_INVALID_METHOD')
  })

  it('never writes a refusal into a response that has started: it cuts the connection', async () => {
    const { server, port } = await start()
    server.mount('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first chunk')
    })
    const host = `Host: 127.0.0.1:${port}\r\n`
    const answer = await converse(port, `GET /stream HTTP/1.1\r\n${host}\r\n`, 'garbage\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(answer).toContain('first chunk')
    expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1)
  })

  it('refuses a request without exactly one Host header, in JSON', async () => {
    const { port } = await start()
    for (const hosts of ['', `Host: 127.0.0.1:${port}\r\nHost: evil.example\r\n`]) {
      const answer = await converse(port, `GET /health HTTP/1.1\r\n${hosts}\r\n`, '')
      expect(answer).toMatch(/^HTTP\/1\.1 400/)
      expect(answer).toContain('"code":"invalid_request"')
    }
  })
})

describe('LocalServer Host guard', () => {
  /** Status of GET /health sent with `host` over a fresh connection. */
  const statusWithHost = (port: number, host: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write(`GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
      )
      let text = ''
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)))
      socket.on('error', reject)
    })

  it('judges the same Host again when the allowed names change (the verdict is cached)', async () => {
    // Settings hand out a new object on every change, as SettingsService does.
    let guards = { allowedHosts: [] as string[], allowedOrigins: [] as string[] }
    const server = new LocalServer({ logger: silentLogger, guardSettings: () => guards })
    servers.push(server)
    const { port } = await server.listen(0, '127.0.0.1')

    expect(await statusWithHost(port, 'box.lan')).toBe(403)
    expect(await statusWithHost(port, 'box.lan')).toBe(403)
    guards = { allowedHosts: ['box.lan'], allowedOrigins: [] }
    expect(await statusWithHost(port, 'box.lan')).toBe(200)
    expect(await statusWithHost(port, `box.lan:${port}`)).toBe(200)
    expect(await statusWithHost(port, 'box.lan:1')).toBe(403)
    guards = { allowedHosts: [], allowedOrigins: [] }
    expect(await statusWithHost(port, 'box.lan')).toBe(403)
    expect(await statusWithHost(port, `localhost:${port}`)).toBe(200)
  })
})
