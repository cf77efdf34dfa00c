import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultProbeTimeouts, ValidationProbe } from '../../src/core/validation/validation-probe'

/**
 * The probe's own limits over real loopback HTTP, with a server that misbehaves on purpose: a
 * model list too large to read, an error body too large to read, an answer that never comes,
 * a body that drips forever (undici's body timeout never fires on it; the check's deadline
 * must), and cancellation before and during a check. Every stopped answer must close its
 * connection: an unread body would hold it (SECURITY P8).
 */
const SIXTEEN_MB = 16 * 1024 * 1024

let server: http.Server
let baseUrl: string
const sockets = new Set<Socket>()
let requests = 0

beforeAll(async () => {
  server = http.createServer((request, response) => {
    requests++
    const route = request.url ?? ''
    if (route === '/huge/models') {
      // A valid model list just over its limit, in ~1 MiB chunks.
      response.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.from('{"id":"m"},'.repeat(95_000))
      let sent = 0
      response.write('{"data":[')
      const pump = (): void => {
        while (sent <= SIXTEEN_MB) {
          sent += chunk.length
          if (!response.write(chunk)) return void response.once('drain', pump)
        }
        response.end('{"id":"last"}]}')
      }
      pump()
    } else if (route === '/noisy/models') {
      response.writeHead(401, { 'content-type': 'text/plain' })
      response.end('x'.repeat(100 * 1024))
    } else if (route === '/drip/models') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"data":[')
      const timer = setInterval(() => response.write(' '), 20)
      response.on('close', () => clearInterval(timer))
    } else if (route === '/silent/models') {
      // Never answers.
    } else {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ data: [{ id: 'gpt-4o' }] }))
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => server.close(resolve))
})

/** Resolves once no connection to the server is open (bounded: fails after 2 s). */
async function connectionsClosed(): Promise<void> {
  for (let waited = 0; sockets.size > 0; waited += 10) {
    if (waited > 2000) throw new Error(`${sockets.size} connection(s) still open`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const key = { secret: 'sk-probe-limits-0000000000000000' }

/** A probe (its deadline `totalMs` when given), closed after `use` whatever happens. */
async function withProbe(
  use: (probe: ValidationProbe) => Promise<void>,
  totalMs?: number,
): Promise<void> {
  const timeouts =
    totalMs === undefined ? defaultProbeTimeouts : { ...defaultProbeTimeouts, totalMs }
  const probe = new ValidationProbe(() => Date.now(), timeouts)
  try {
    await use(probe)
  } finally {
    await probe.close()
  }
}

/** Checks the key against `path` of the server, with a signal nobody aborts. */
const checkAt = (probe: ValidationProbe, path: string) =>
  probe.check({ ...key, baseUrl: `${baseUrl}${path}` }, new AbortController().signal)

describe('ValidationProbe limits', () => {
  it('reads a model list, and keeps its connection for the next check', async () => {
    await withProbe(async (probe) => {
      expect(await checkAt(probe, '/ok/')).toMatchObject({
        outcome: { kind: 'success', status: 200 },
        models: ['gpt-4o'],
      })
      expect(sockets.size).toBe(1)
    })
    await connectionsClosed()
  })

  it.each([
    {
      what: 'a model list over 16 MiB: success, models unknown',
      path: '/huge',
      outcome: { kind: 'success', status: 200 },
    },
    {
      what: 'an error body over 64 KiB: classified by its status',
      path: '/noisy',
      outcome: { kind: 'invalid', status: 401 },
    },
  ])('stops reading $what, and closes the connection', async ({ path, outcome }) => {
    await withProbe(async (probe) => {
      expect(await checkAt(probe, path)).toMatchObject({ outcome, models: null })
      await connectionsClosed()
    })
  })

  it('times a silent upstream out at the deadline: a network error, not a cancel', async () => {
    await withProbe(async (probe) => {
      const started = performance.now()
      const result = await checkAt(probe, '/silent')
      expect(performance.now() - started).toBeGreaterThanOrEqual(140)
      expect(result).toMatchObject({
        outcome: { kind: 'network-error', error: 'timeout' },
        models: null,
      })
      await connectionsClosed()
    }, 150)
  })

  it('ends a body that drips forever at the deadline, which no per-chunk timeout would', async () => {
    await withProbe(async (probe) => {
      const result = await checkAt(probe, '/drip')
      expect(result.outcome).toMatchObject({ kind: 'network-error', error: 'timeout' })
      await connectionsClosed()
    }, 200)
  })

  it('a signal that times out (the provider test passes one) is a timeout too', async () => {
    await withProbe(async (probe) => {
      const result = await probe.check(
        { ...key, baseUrl: `${baseUrl}/silent` },
        AbortSignal.timeout(100),
      )
      expect(result.outcome).toMatchObject({ kind: 'network-error', error: 'timeout' })
      await connectionsClosed()
    })
  })

  it('rejects with the reason when cancelled during a check, and closes the connection', async () => {
    await withProbe(async (probe) => {
      const controller = new AbortController()
      const reason = new Error('run cancelled')
      const check = probe.check({ ...key, baseUrl: `${baseUrl}/drip` }, controller.signal)
      setTimeout(() => controller.abort(reason), 60)
      await expect(check).rejects.toBe(reason)
      await connectionsClosed()
    })
  })

  it('sends nothing when cancelled before the check', async () => {
    await withProbe(async (probe) => {
      const controller = new AbortController()
      controller.abort(new Error('cancelled before'))
      const before = requests
      await expect(probe.check({ ...key, baseUrl }, controller.signal)).rejects.toThrow(
        'cancelled before',
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(requests).toBe(before)
    })
  })
})
