import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  startMockUpstream,
  type MockUpstream,
  type MockUpstreamOptions,
} from '../../support/mock-upstream'

/**
 * The project's mock upstream in a process of its own, so the benchmark can pin it to the load
 * core and read its CPU time apart from the load generator's. Started by `mock-upstream-process.ts`
 * with plain Node (`--experimental-transform-types` and `ts-resolve-hook.mjs`), never by vitest.
 *
 * Input: `BENCH_MOCK_SERVERS`, a JSON array of mock options (one listener each: several ports
 * are several origins, each with its own connection pool in the proxy). Output: one line
 * `mock ready {"urls":[…],"control":"…"}`. The control listener answers `GET /stats` with each
 * listener's request count, open requests and peak of open requests, and the peak of open
 * requests over all listeners together, each peak since start or the last `GET /reset`.
 */

interface ListenerStats {
  count: number
  open: number
  peakOpen: number
  connections: number
}

const PEAK_SAMPLE_MS = 20

async function main(): Promise<void> {
  const servers = JSON.parse(process.env.BENCH_MOCK_SERVERS ?? '[{}]') as MockUpstreamOptions[]
  const mocks: MockUpstream[] = []
  for (const options of servers) mocks.push(await startMockUpstream(options))
  const peaks = mocks.map(() => 0)
  let peakTotal = 0
  const sampler = setInterval(() => {
    let total = 0
    mocks.forEach((mock, i) => {
      const open = mock.openRequests()
      total += open
      peaks[i] = Math.max(peaks[i] ?? 0, open)
    })
    peakTotal = Math.max(peakTotal, total)
  }, PEAK_SAMPLE_MS)

  const control = http.createServer((req, res) => {
    if (req.url === '/reset') {
      peaks.fill(0)
      peakTotal = 0
    }
    const listeners: ListenerStats[] = mocks.map((mock, i) => ({
      count: mock.count(),
      open: mock.openRequests(),
      peakOpen: Math.max(peaks[i] ?? 0, mock.openRequests()),
      connections: mock.openConnections(),
    }))
    const body = JSON.stringify({ listeners, peakOpenTotal: peakTotal })
    res.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  const port = (control.address() as AddressInfo).port

  const stop = (): void => {
    clearInterval(sampler)
    control.close()
    control.closeAllConnections()
    void Promise.allSettled(mocks.map((mock) => mock.close())).then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.stdout.write(
    `mock ready ${JSON.stringify({ urls: mocks.map((mock) => mock.url), control: `http://127.0.0.1:${port}` })}\n`,
  )
}

void main().catch((error: unknown) => {
  process.stderr.write(`mock upstream child failed: ${String(error)}\n`)
  process.exit(1)
})
