/**
 * SECURITY D3: `kill -9` at a random moment under load, 50 times: `integrity_check` is ok and no
 * acknowledged quota decrement or key-state change is lost.
 *
 * A child process runs the built server (`node out/server/index.js`) against a mock upstream in
 * this process. Each round, while proxied clients and an admin actor write, the test SIGKILLs it
 * at a seeded random moment, opens the database file read-only with better-sqlite3, checks
 * `integrity_check`, `foreign_key_check` and the ledger of acknowledged changes
 * (crash-ledger.ts), then restarts on the same data folder — over the dead process's lock file —
 * and checks that it serves with the state it had. About one restart in eight is itself killed
 * at a random moment of its start first.
 *
 * What "acknowledged" means, from how each change is persisted:
 * - Quota: a limited sub-key's request is reserved by one autocommit
 *   `UPDATE sub_keys SET remaining = remaining - 1 … RETURNING` (SubKeyService.reserve) before it
 *   is forwarded, so a client that received response headers holds a committed decrement. A
 *   refund (also one autocommit statement) runs only when nothing reached the client. Hence,
 *   per sub-key: used = max_requests − remaining satisfies
 *   `before + delivered ≤ used ≤ before + delivered + unanswered + error answers`, where
 *   delivered = 200 headers received, unanswered = killed in flight, and error answers (other
 *   than `sub_key_exhausted`, refused before reserving) are refunded just after the answer is
 *   written, so a kill in between may keep them spent.
 * - Admin changes: every `/api` operation commits before its 200 (a key status PUT is
 *   KeyStateService's `UPDATE … WHERE state = from` + history row in one transaction; a sub-key
 *   create, a top-up, a bulk add are single statements or transactions). A 200 is the
 *   acknowledgement; a request the kill cut may or may not have applied.
 * - Traffic transitions: a 401 makes KeyRouter persist active → invalid through KeyStateService
 *   synchronously, before the request moves to another key, and `key.stateChanged` on
 *   `/api/events` is emitted after that commit. Receiving the event is the acknowledgement: the
 *   key stays invalid and its history row exists.
 * - Not acknowledged, by design: request/token counters of keys and sub-keys and request-log rows
 *   go through UsageBatchWriter (one transaction every 200 ms) and may lose the last batch. That
 *   includes `tokens_used`, which a token budget is enforced against (see docs/security.md D3).
 *
 * Durability relies on WAL with `synchronous=NORMAL`: a committed transaction survives the death
 * of the process (not a power cut). The seed is printed; KEYPOOL_CRASH_SEED replays a run and
 * KEYPOOL_CRASH_ROUNDS sets the number of rounds (`npm run crash` = 50).
 */
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_FILE_NAME } from '../../src/server/lock-file'
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream'
import {
  BUILT_SERVER_ENTRY,
  killAllServeChildren,
  killServe,
  spawnServe,
  type ServeChild,
} from '../support/serve-child'
import { tempDir } from '../support/temp-dir'
import { seededRandom } from '../unit/core/pool/seeded-random'
import { emptyLedger, trackSubKey, verifyAndSettle, type CrashLedger } from './crash-ledger'
import {
  adminActor,
  listenForTransitions,
  proxiedClient,
  type RoundStop,
  type RoundTarget,
} from './crash-load'

const ROUNDS = Number(process.env.KEYPOOL_CRASH_ROUNDS ?? 50)
const SEED = Number(process.env.KEYPOOL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const PROXIED_CLIENTS = 6
/** The kill lands this long after the load starts (uniform, ms). */
const KILL_WINDOW_MS = [30, 500] as const
/** Share of restarts that are themselves killed at a random moment of the start. */
const STARTUP_KILL_SHARE = 0.12
const ADMIN_TOKEN = 'crash-test-admin-token-0123456789'

let mock: MockUpstream

beforeAll(async () => {
  mock = await startMockUpstream({ recordRequests: false, streamChunks: 5 })
})

afterAll(async () => {
  await killAllServeChildren()
  await mock?.close()
})

describe.skipIf(!fs.existsSync(BUILT_SERVER_ENTRY))('D3 crash safety (kill -9 under load)', () => {
  it(
    `loses no acknowledged change over ${ROUNDS} kills, and restarts over the stale lock`,
    async () => {
      console.log(`D3 crash safety: seed ${SEED}, ${ROUNDS} rounds (KEYPOOL_CRASH_SEED replays)`)
      // Two streams: the kill moments replay exactly from the seed; the writers' choices
      // interleave with the server's timing, so they replay only as a sequence.
      const random = seededRandom(SEED)
      const loadRandom = seededRandom(SEED ^ 0x5bd1e995)
      const dataDir = tempDir('keypool-crash-')
      const dbFile = path.join(dataDir, 'keypool.db')
      const lockFile = path.join(dataDir, LOCK_FILE_NAME)
      const ledger = emptyLedger()
      let serial = 0
      const nextSerial = (): number => ++serial
      const start = (): ServeChild =>
        spawnServe({ dataDir, adminToken: ADMIN_TOKEN, providerUrl: mock.url })

      let serve = start()
      let url = await serve.listening
      const { providerId, probeSecret } = await setUp(url, ledger)
      const started = Date.now()
      const counts = { startupKills: 0, delivered: 0, unanswered: 0, transitions: 0 }

      for (let round = 1; round <= ROUNDS; round++) {
        const context = `round ${round}, seed ${SEED}`
        await expectServes(url, ledger, probeSecret, context)

        const target: RoundTarget = {
          url,
          adminToken: ADMIN_TOKEN,
          providerId,
          mock,
          random: loadRandom,
        }
        const stop: RoundStop = { stopped: false }
        const listener = await listenForTransitions(target, ledger)
        const writers = [
          ...Array.from({ length: PROXIED_CLIENTS }, () => proxiedClient(target, ledger, stop)),
          adminActor(target, ledger, stop, nextSerial),
        ]
        await sleep(between(random, ...KILL_WINDOW_MS))
        stop.stopped = true
        const deadPid = serve.pid
        await killServe(serve)
        const settled = await Promise.allSettled([...writers, listener.ended])
        for (const result of settled) {
          if (result.status === 'rejected') throw new Error(`${context}: ${String(result.reason)}`)
        }
        for (const entry of ledger.subKeys.values()) {
          counts.delivered += entry.delivered
          counts.unanswered += entry.unanswered
        }
        counts.transitions = [...ledger.announced.values()].reduce((sum, n) => sum + n, 0)
        expect(verifyAndSettle(dbFile, ledger), context).toEqual([])
        // The dead process's lock is still there: the restart must take it over.
        expect(fs.readFileSync(lockFile, 'utf8'), context).toBe(String(deadPid))

        if (random() < STARTUP_KILL_SHARE) {
          counts.startupKills++
          const interrupted = start()
          await sleep(between(random, 0, 300))
          await killServe(interrupted)
          expect(verifyAndSettle(dbFile, ledger), `${context}, killed at start`).toEqual([])
        }
        serve = start()
        url = await serve.listening
      }

      await expectServes(url, ledger, probeSecret, 'after the last round')
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      console.log(
        `D3 crash safety: ${ROUNDS} kills (+${counts.startupKills} during a start) in ` +
          `${seconds} s; ${counts.delivered} delivered and ${counts.unanswered} cut proxied ` +
          `requests, ${counts.transitions} announced key transitions, ${ledger.subKeys.size} ` +
          `sub-keys, ${ledger.addedKeys.size} keys added: nothing acknowledged was lost`,
      )

      // A clean stop after all that: exit 0, lock released, WAL checkpointed.
      serve.child.kill('SIGTERM')
      expect(await serve.exited).toBe(0)
      expect(fs.existsSync(lockFile)).toBe(false)
      const wal = `${dbFile}-wal`
      expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0)
      expect(verifyAndSettle(dbFile, ledger)).toEqual([])
    },
    ROUNDS * 4_000 + 30_000,
  )
})

function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1))
}

async function api(url: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const answer: unknown = await response.json()
  if (response.status !== 200) {
    throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(answer)}`)
  }
  return answer
}

/**
 * Validation off (it would call the mock on add), four healthy keys, two keys the admin actor
 * toggles, two limited sub-keys and one unlimited probe sub-key for the serving check.
 */
async function setUp(
  url: string,
  ledger: CrashLedger,
): Promise<{ providerId: number; probeSecret: string }> {
  await api(url, 'PATCH', '/api/settings', { validation: { onAdd: false, scheduleMinutes: 0 } })
  const providers = (await api(url, 'GET', '/api/providers')) as { id: number }[]
  const providerId = providers[0]!.id
  const healthy = Array.from({ length: 4 }, (_, i) => `sk-crash-healthy-${'y'.repeat(24)}h00${i}`)
  const toggles = Array.from({ length: 2 }, (_, i) => `sk-crash-toggle-${'z'.repeat(24)}t00${i}`)
  await api(url, 'POST', '/api/keys/bulk', {
    keys: [...healthy, ...toggles.map((secret) => `${secret},toggle`)].join('\n'),
    providerId,
  })
  const page = (await api(url, 'GET', '/api/keys/paginated?q=toggle')) as {
    items: { id: number }[]
  }
  for (const { id } of page.items) ledger.toggleKeys.set(id, { id, acked: 'active', pending: null })
  expect(ledger.toggleKeys.size).toBe(2)
  for (const maxRequests of [100, 200]) {
    const issued = (await api(url, 'POST', '/api/sub-keys', { name: 'crash', maxRequests })) as {
      subKey: { id: number }
      secret: string
    }
    trackSubKey(ledger, issued, maxRequests)
  }
  const probe = (await api(url, 'POST', '/api/sub-keys', { name: 'probe' })) as { secret: string }
  return { providerId, probeSecret: probe.secret }
}

/**
 * The restarted server answers /health and a proxied request, and holds what the database held:
 * every sub-key's remaining count and every toggle key's state.
 */
async function expectServes(
  url: string,
  ledger: CrashLedger,
  probeSecret: string,
  context: string,
): Promise<void> {
  expect((await fetch(`${url}/health`)).status, context).toBe(200)
  const proxied = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${probeSecret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'up?' }] }),
  })
  expect(proxied.status, context).toBe(200)
  expect(((await proxied.json()) as { object: string }).object, context).toBe('chat.completion')

  const subKeys = (await api(url, 'GET', '/api/sub-keys')) as { id: number; remaining: number }[]
  const remaining = new Map(subKeys.map((subKey) => [subKey.id, subKey.remaining]))
  for (const entry of ledger.subKeys.values()) {
    expect(remaining.get(entry.id), `${context}: sub-key ${entry.id}`).toBe(
      entry.ackedMax - entry.usedAtStart,
    )
  }
  const toggles = (await api(url, 'GET', '/api/keys/paginated?q=toggle')) as {
    items: { id: number; state: string }[]
  }
  for (const key of toggles.items) {
    expect(key.state, `${context}: key ${key.id}`).toBe(ledger.toggleKeys.get(key.id)?.acked)
  }
}
