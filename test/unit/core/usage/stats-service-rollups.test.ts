import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../../src/core/store/database'
import { ROLLUP_WRITE_INTERVAL_MS, StatsService } from '../../../../src/core/usage/stats-service'
import { completedRequest } from '../../../support/completed-request'
import { FakeClock } from '../../../support/fake-clock'
import { tempDir } from '../../../support/temp-dir'

let db: Database | undefined
afterEach(() => db?.close())

function setup(): { stats: StatsService; clock: FakeClock; storedRequests: () => number } {
  db = openDatabase(path.join(tempDir(), 'keypool.db'))
  const clock = new FakeClock()
  const stats = new StatsService({
    database: db,
    clock,
    keyCounts: () => ({ active: 1, cooling: 0, exhausted: 0, invalid: 0, disabled: 0, total: 1 }),
    enqueue: () => {},
    flushPending: () => {},
    subKey: () => null,
    key: () => null,
  })
  const storedRequests = () =>
    (
      db!
        .prepare(
          `SELECT COALESCE(SUM(requests), 0) AS n FROM usage_rollups WHERE grain = 'm' AND dim = 'all'`,
        )
        .get() as { n: number }
    ).n
  return { stats, clock, storedRequests }
}

/** A batch of `n` requests ending now, over `keys` keys, written as the batch writer does. */
function writeBatch(stats: StatsService, clock: FakeClock, n: number, keys = 3): void {
  const batch = Array.from({ length: n }, (_, i) =>
    completedRequest(clock.now(), { keyId: (i % keys) + 1 }),
  )
  db!.transaction(() => stats.write(batch))()
}

describe('StatsService roll-ups', () => {
  it('merges batches for up to the write interval, then writes them with the next batch', () => {
    const { stats, clock, storedRequests } = setup()
    writeBatch(stats, clock, 5)
    expect(storedRequests()).toBe(5)
    clock.advance(200)
    writeBatch(stats, clock, 7)
    clock.advance(200)
    writeBatch(stats, clock, 11)
    expect(storedRequests()).toBe(5)
    clock.advance(ROLLUP_WRITE_INTERVAL_MS)
    writeBatch(stats, clock, 1)
    expect(storedRequests()).toBe(24)
  })

  it('writes what is pending before every read of the roll-ups, and on flushRollups', () => {
    const { stats, clock, storedRequests } = setup()
    writeBatch(stats, clock, 4)
    clock.advance(100)
    writeBatch(stats, clock, 6, 2)
    expect(storedRequests()).toBe(4)
    const byKey = stats.keyUsage('24h', 10)
    expect(byKey.map((k) => k.keyId).sort()).toEqual([1, 2, 3])
    expect(byKey.reduce((sum, k) => sum + k.requests, 0)).toBe(10)
    expect(storedRequests()).toBe(10)

    writeBatch(stats, clock, 3)
    const series = stats.series('1h', 'key')
    const total = series.totals.requests.reduce((sum, n) => sum + n, 0)
    expect(total).toBe(13)

    writeBatch(stats, clock, 2)
    expect(storedRequests()).toBe(13)
    stats.flushRollups()
    expect(storedRequests()).toBe(15)
  })
})
