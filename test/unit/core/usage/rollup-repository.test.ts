import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../../src/core/store/database'
import { rollupDeltas } from '../../../../src/core/usage/rollup-delta'
import { RollupRepository } from '../../../../src/core/usage/rollup-repository'
import { completedRequest } from '../../../support/completed-request'
import { tempDir } from '../../../support/temp-dir'

let db: Database | undefined
afterEach(() => db?.close())

const MINUTE = 60_000
const start = 20_000 * 86_400_000

describe('RollupRepository', () => {
  it('adds batches over many keys (whole groups of 32 rows and the rest) to the same rows', () => {
    db = openDatabase(path.join(tempDir(), 'keypool.db'))
    const rollups = new RollupRepository(db)
    // 70 keys, one request each per batch, in one minute: 210 key rows (m, h, d) per batch.
    const batch = (latency: number) =>
      Array.from({ length: 70 }, (_, i) =>
        completedRequest(start + 1_000 + i, { keyId: i + 1, totalTokens: i, latencyMs: latency }),
      )
    db.transaction(() => rollups.add(rollupDeltas(batch(10))))()
    db.transaction(() => rollups.add(rollupDeltas(batch(3_000))))()

    for (const grain of ['m', 'h', 'd'] as const) {
      const byKey = rollups.range(grain, 'key', start - 86_400_000, start + MINUTE)
      expect(byKey).toHaveLength(70)
      for (const row of byKey) {
        expect(row.requests).toBe(2)
        expect(row.totalTokens).toBe(2 * (Number(row.value) - 1))
        expect(row.latencySum).toBe(3_010)
      }
    }
    // Only `all` keeps the latency histogram: 70 fast and 70 slow requests.
    const [all] = rollups.rangeWithLatency('m', 'all', start, start + MINUTE)
    expect(all!.requests).toBe(140)
    expect(all!.histogram!.reduce((sum, n) => sum + n, 0)).toBe(140)
    expect(all!.histogram!.filter((n) => n > 0)).toEqual([70, 70])
  })
})
