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
 * "Large pools"). The last case runs on a log that already holds 1,000,000 rows, as a pool that
 * has served for a while: a log index led by a column with many values (a key id) then
 * touches one page per request. Prints; asserts nothing.
 *   npm run bench -- test/bench/usage-writes.bench.ts
 */
const BATCH = 1_000
const WARM_BATCHES = 20
const BATCHES = 50

const FILLED_ROWS = 1_000_000

let db: Database | undefined
afterAll(() => db?.close())

/**
 * Fills the log with `rows` rows over `keys` keys in one statement, its indexes (whichever the
 * migrations left) dropped meanwhile and rebuilt after: minutes faster than inserting through
 * them, and the same indexes in the end.
 */
function fillLog(database: Database, rows: number, keys: number, before: number): void {
  const indexes = database
    .prepare(
      `SELECT name, sql FROM sqlite_master
       WHERE type = 'index' AND tbl_name = 'request_log' AND sql IS NOT NULL`,
    )
    .all() as { name: string; sql: string }[]
  for (const index of indexes) database.exec(`DROP INDEX ${index.name}`)
  database
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO request_log (at, sub_key_id, provider_id, key_id, model, method, endpoint,
         status, outcome, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, total_tokens,
         bytes_out, attempts)
       SELECT ? - ? + i, 1, 1, i % ? + 1, 'gpt-4o-mini', 'POST', '/v1/chat/completions', 200,
         'success', 40, 30, 12, 20, 32, 700, 1 FROM n`,
    )
    .run(rows, before, rows, keys)
  for (const index of indexes) database.exec(index.sql)
}

it('measures folding, roll-up upserts and log inserts per request', () => {
  db = openDatabase(path.join(tempDir(), 'keypool.db'))
  const rollups = new RollupRepository(db)
  const log = new RequestLogRepository(db)
  const lines: string[] = []
  const cases = [
    { keys: 10, filled: 0 },
    { keys: 1_000, filled: 0 },
    { keys: 1_000, filled: FILLED_ROWS },
  ]
  for (const { keys, filled } of cases) {
    let at = Date.UTC(2026, 11, 5, 12)
    if (filled > 0) {
      db.exec('DELETE FROM request_log')
      fillLog(db, filled, keys, at)
    }
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
      `${String(keys).padStart(5)} keys${filled > 0 ? `, log at ${filled.toLocaleString('en')} rows` : ''}: fold ${perRequest(times.fold)} µs, ` +
        `roll-up upserts ${perRequest(times.upsert)} µs, log rows ${perRequest(times.insert)} µs`,
    )
  }
  console.log(
    `\nUsage writes per request (batches of ${BATCH}, mean of ${BATCHES}; roll-ups of one batch, ` +
      `not merged over a second as the service does)\n${lines.join('\n')}`,
  )
})
