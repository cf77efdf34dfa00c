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
