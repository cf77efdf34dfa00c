import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DATABASE_FILE_NAME } from '../../src/core/keypool-core'
import { JOURNAL_SIZE_LIMIT_BYTES, WAL_AUTOCHECKPOINT_PAGES } from '../../src/core/store/database'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

/**
 * SECURITY D7: the WAL stays bounded under sustained load of the real kind, and a clean stop
 * checkpoints it. CI runs 15 s; the 10-minute run of the requirement is
 *   KEYPOOL_WAL_SECONDS=600 npx vitest run test/integration/wal-bound.test.ts
 *
 * The bound: SQLite checkpoints once a commit leaves WAL_AUTOCHECKPOINT_PAGES (1,000 × 4 KB =
 * 4 MB) in the WAL; with only KeyPool's one connection nothing pins an old snapshot, so every
 * checkpoint completes and the next write starts the WAL over. The file therefore peaks near
 * 4 MB plus one transaction (a usage batch: at most 1,000 log rows with their roll-ups, well
 * under 1 MB), and JOURNAL_SIZE_LIMIT_BYTES (8 MB) truncates it back after anything larger. A
 * WAL above 8 MB at any sample means checkpoints are being starved. Below the limit SQLite never
 * shrinks the file, so a sample sees the high-water mark even when it runs late.
 */
const SECONDS = Number(process.env.KEYPOOL_WAL_SECONDS ?? 15)
const CLIENTS = 8
const SAMPLE_MS = 250

let harness: ProxyHarness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

describe('D7 the WAL stays bounded under load and is checkpointed at a clean stop', () => {
  it(
    `stays under ${JOURNAL_SIZE_LIMIT_BYTES / 1024 / 1024} MB for ${SECONDS} s of proxy traffic with admin reads`,
    async () => {
      harness = await startProxyHarness()
      const h = harness
      const wal = path.join(h.dataDir, `${DATABASE_FILE_NAME}-wal`)
      const database = h.server.core.database
      expect(database.pragma('page_size', { simple: true })).toBe(4096)
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_PAGES)
      expect(database.pragma('journal_size_limit', { simple: true })).toBe(JOURNAL_SIZE_LIMIT_BYTES)

      await h.addKeys(upstreamKeys(8, 'wal'))
      // A limited sub-key: every request also makes the atomic reservation write (D4).
      const { secret } = await h.subKey({ maxRequests: 100_000_000 })
      const deadline = Date.now() + SECONDS * 1000
      const statuses = new Map<number, number>()
      let requests = 0
      let adminReads = 0
      const sizes: number[] = []
      const sample = (): void => {
        try {
          sizes.push(fs.statSync(wal).size)
        } catch {
          sizes.push(0)
        }
      }
      const sampler = setInterval(sample, SAMPLE_MS)

      const client = async (index: number): Promise<void> => {
        for (let i = 0; Date.now() < deadline; i++) {
          const stream = (index + i) % 3 === 0
          const response = await fetch(`${h.baseURL}/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              model: i % 2 ? 'gpt-4o-mini' : 'gpt-4o',
              messages: [{ role: 'user', content: `request ${i} of client ${index}` }],
              stream,
            }),
          })
          await response.arrayBuffer()
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          requests++
        }
      }
      const admin = async (): Promise<void> => {
        const paths = [
          '/api/stats',
          '/api/logs?page=1&pageSize=100',
          '/api/logs?page=5&pageSize=50',
          '/api/stats/series?range=24h&groupBy=model',
          '/api/stats/keys',
          '/api/stats/sub-keys',
          '/api/keys/paginated?page_size=50',
        ]
        for (let i = 0; Date.now() < deadline; i++) {
          const answer = await h.api('GET', paths[i % paths.length]!)
          expect(answer.status).toBe(200)
          adminReads++
        }
      }
      try {
        await Promise.all([
          ...Array.from({ length: CLIENTS }, (_, index) => client(index)),
          admin(),
          admin(),
        ])
      } finally {
        clearInterval(sampler)
      }
      sample()

      const max = Math.max(...sizes)
      // The last requests reach the log with the next batch; a stats read writes it at once.
      const countLogged = () =>
        (database.prepare('SELECT count(*) AS n FROM request_log').get() as { n: number }).n
      for (let wait = 0; countLogged() < requests && wait < 100; wait++) {
        await h.api('GET', '/api/stats')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const logged = countLogged()
      console.log(
        `D7: ${SECONDS} s, ${requests} proxied requests (${(requests / SECONDS).toFixed(0)}/s), ` +
          `${adminReads} admin reads, ${sizes.length} WAL samples, WAL max ` +
          `${(max / 1024 / 1024).toFixed(2)} MB, ${logged} log rows`,
      )
      expect([...statuses.keys()]).toEqual([200])
      expect(requests).toBeGreaterThan(SECONDS * 5)
      expect(logged).toBe(requests)
      // The sampler shares the event loop with the server, so under load it runs late: ask
      // only that it ran throughout (a quarter of the nominal rate).
      expect(sizes.length).toBeGreaterThanOrEqual(SECONDS)
      expect(max).toBeGreaterThan(0)
      expect(max).toBeLessThanOrEqual(JOURNAL_SIZE_LIMIT_BYTES)

      // A clean stop checkpoints the WAL into the database and leaves it empty (or removes it).
      const dataDir = h.dataDir
      await h.close()
      harness = undefined
      const after = path.join(dataDir, `${DATABASE_FILE_NAME}-wal`)
      expect(fs.existsSync(after) ? fs.statSync(after).size : 0).toBe(0)
    },
    SECONDS * 1000 + 60_000,
  )
})
