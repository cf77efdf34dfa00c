import path from 'node:path'
import { afterAll, it } from 'vitest'
import { openDatabase, type Database } from '../../src/core/store/database'
import { foldRollupDeltas, type RollupDelta } from '../../src/core/usage/rollup-delta'
import { RollupRepository } from '../../src/core/usage/rollup-repository'
import { RequestLogRepository } from '../../src/core/usage/request-log-repository'
import { completedRequest } from '../support/completed-request'
import { tempDir } from '../support/temp-dir'

/**
 * What the usage writes cost per request on the proxy's thread, by pool size: a batch of 1,000
 * requests spread round-robin over 10 or 1,000 keys, folded into roll-up rows, those rows
 * upserted, and the log rows inserted (each timed apart, in its own transaction, on a real
 * SQLite file). With many keys every request touches rows of its own key (docs/performance.md,
 * "Large pools"). Prints; asserts nothing.
 *   npm run bench -- test/bench/usage-writes.bench.ts
 */
const BATCH = 1_000
const WARM_BATCHES = 20
const BATCHES = 50

let db: Database | undefined
afterAll(() => db?.close())

it('measures folding, roll-up upserts and log inserts per request', () => {
  db = openDatabase(path.join(tempDir(), 'keypool.db'))
  const rollups = new RollupRepository(db)
  const log = new RequestLogRepository(db)
  const lines: string[] = []
  for (const keys of [10, 1_000]) {
    let at = Date.UTC(2026, 11, 5, 12)
    const batch = () =>
      Array.from({ length: BATCH }, (_, i) => completedRequest(at++, { keyId: (i % keys) + 1 }))
    const times = { fold: 0, upsert: 0, insert: 0 }
    for (let round = 0; round < WARM_BATCHES + BATCHES; round++) {
      const requests = batch()
      const t0 = performance.now()
      const pending = new Map<string, RollupDelta>()
      foldRollupDeltas(requests, pending)
      const t1 = performance.now()
      db.transaction(() => rollups.add([...pending.values()]))()
      const t2 = performance.now()
      db.transaction(() => log.insert(requests))()
      const t3 = performance.now()
      if (round < WARM_BATCHES) continue
      times.fold += t1 - t0
      times.upsert += t2 - t1
      times.insert += t3 - t2
    }
    // ms per batch of 1,000 = µs per request.
    const perRequest = (ms: number) => ((ms / BATCHES) * (1_000 / BATCH)).toFixed(2)
    lines.push(
      `${String(keys).padStart(5)} keys: fold ${perRequest(times.fold)} µs, ` +
        `roll-up upserts ${perRequest(times.upsert)} µs, log rows ${perRequest(times.insert)} µs`,
    )
  }
  console.log(
    `\nUsage writes per request (batches of ${BATCH}, mean of ${BATCHES}; roll-ups of one batch, ` +
      `not merged over a second as the service does)\n${lines.join('\n')}`,
  )
})
