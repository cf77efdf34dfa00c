import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { BACKUPS_DIR_NAME } from '../../src/core/backup/backup-directory'
import { KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import { completedRequest } from '../support/completed-request'
import { FakeClock } from '../support/fake-clock'
import { tempDir } from '../support/temp-dir'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

let cores: KeyPoolCore[] = []

afterEach(async () => {
  for (const core of cores) await core.close(0)
  cores = []
})

function open(clock: FakeClock, dataDir = tempDir()): KeyPoolCore {
  const core = KeyPoolCore.open({ dataDir, logger: silentLogger, clock })
  cores.push(core)
  return core
}

/** Records one request that ends `ago` ms before the clock's current time. */
function recordAgo(core: KeyPoolCore, clock: FakeClock, ago: number, tokens = 10): void {
  core.stats.record(completedRequest(clock.now() - ago, { totalTokens: tokens }))
}

describe('summary windows with a fake clock', () => {
  it('puts requests at chosen times in the right windows, exact to the millisecond', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12, 0, 0, 500))
    const core = open(clock)
    recordAgo(core, clock, 0, 1)
    recordAgo(core, clock, 59_999, 2) // inside the minute by 1 ms
    recordAgo(core, clock, MINUTE, 4) // exactly a minute old: out of the minute
    recordAgo(core, clock, MINUTE + 1, 8)
    recordAgo(core, clock, HOUR - 1, 16)
    recordAgo(core, clock, HOUR, 32)
    recordAgo(core, clock, DAY - 1, 64)
    recordAgo(core, clock, DAY, 128)
    recordAgo(core, clock, 3 * DAY, 256)
    const summary = core.stats.summary()
    expect(summary.tokens).toEqual({
      lastMinute: 1 + 2,
      lastHour: 1 + 2 + 4 + 8 + 16,
      last24h: 1 + 2 + 4 + 8 + 16 + 32 + 64,
      total: 511,
    })
    expect(summary.requests).toEqual({ lastMinute: 2, lastHour: 5, last24h: 7, total: 9 })
  })

  it('moves requests out of the minute as the clock passes the boundary', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12, 0, 0, 250))
    const core = open(clock)
    core.stats.record(completedRequest(clock.now(), { outcome: 'upstream_error', status: 502 }))
    clock.advance(30 * SECOND)
    core.stats.record(completedRequest(clock.now()))
    clock.advance(30 * SECOND - 1)
    expect(core.stats.summary().requests.lastMinute).toBe(2)
    expect(core.stats.summary().errors.lastMinute).toBe(1)
    clock.advance(1)
    expect(core.stats.summary().requests.lastMinute).toBe(1)
    expect(core.stats.summary().errors).toEqual({
      lastMinute: 0,
      lastHour: 1,
      last24h: 1,
      total: 1,
    })
    clock.advance(30 * SECOND)
    expect(core.stats.summary().requests).toEqual({
      lastMinute: 0,
      lastHour: 2,
      last24h: 2,
      total: 2,
    })
  })

  it('keeps the windows and the total across a restart', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12, 0, 0, 0))
    const dataDir = tempDir()
    const first = open(clock, dataDir)
    recordAgo(first, clock, 10 * SECOND)
    recordAgo(first, clock, 59_999)
    recordAgo(first, clock, 2 * HOUR)
    recordAgo(first, clock, 2 * DAY)
    const before = first.stats.summary()
    await first.close(0)
    cores = []
    const second = open(clock, dataDir)
    expect(second.stats.summary().requests).toEqual(before.requests)
    expect(before.requests).toEqual({ lastMinute: 2, lastHour: 2, last24h: 3, total: 4 })
  })
})

describe('roll-ups held between writes', () => {
  it('are written at a stop: the total survives a restart', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12, 0, 0, 0))
    const dataDir = tempDir()
    const first = open(clock, dataDir)
    recordAgo(first, clock, SECOND)
    first.stats.summary() // the first batch: its roll-ups are written with it
    recordAgo(first, clock, SECOND)
    recordAgo(first, clock, 2 * DAY)
    // The second batch's log rows are written; its roll-ups wait for the next write interval.
    expect(first.stats.summary().requests.total).toBe(3)
    await first.close(0)
    cores = []
    const second = open(clock, dataDir)
    expect(second.stats.summary().requests.total).toBe(3)
  })

  it('are written before a backup is taken', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12, 0, 0, 0))
    const dataDir = tempDir()
    const core = open(clock, dataDir)
    recordAgo(core, clock, SECOND)
    core.stats.summary()
    recordAgo(core, clock, SECOND)
    core.stats.summary()
    const entry = await core.backups.create()
    const copy = new BetterSqlite3(path.join(dataDir, BACKUPS_DIR_NAME, entry.name), {
      readonly: true,
    })
    const stored = copy
      .prepare(`SELECT SUM(requests) AS n FROM usage_rollups WHERE grain = 'd' AND dim = 'all'`)
      .get() as { n: number }
    copy.close()
    expect(stored.n).toBe(2)
  })
})

describe('retention', () => {
  it('prunes raw rows past the retention and keeps totals and per-day numbers', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12, 0, 0, 0))
    const core = open(clock)
    core.settings.update({ data: { retentionDays: 30 } })
    // One request a day for 60 days, two models, a failure every fifth day.
    for (let day = 0; day < 60; day++) {
      core.stats.record(
        completedRequest(clock.now() - day * DAY, {
          model: day % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
          totalTokens: day + 1,
          ...(day % 5 === 0 && { outcome: 'upstream_error', status: 502 }),
        }),
      )
    }
    const summary = core.stats.summary()
    const series = core.stats.series('90d', 'outcome')
    const byModel = core.stats.series('90d', 'model')
    const subKeys = core.stats.subKeyUsage('all', 10)
    const logsBefore = core.stats.logs({ page: 1, pageSize: 1 })
    expect(logsBefore.total).toBe(60)

    const deleted = await core.retention.run()
    expect(deleted).toBe(29) // days 31..59 are older than 30 days
    expect(core.stats.logs({ page: 1, pageSize: 1 }).total).toBe(31)

    expect(core.stats.summary()).toEqual(summary)
    expect(core.stats.series('90d', 'outcome')).toEqual(series)
    expect(core.stats.series('90d', 'model')).toEqual(byModel)
    expect(core.stats.subKeyUsage('all', 10)).toEqual(subKeys)
    expect(summary.requests.total).toBe(60)
    expect(summary.tokens.total).toBe((60 * 61) / 2)
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
    expect(sum(series.totals.requests)).toBe(60)
    expect(sum(series.totals.errors)).toBe(12)

    // And after a restart, from the store alone.
    const dataDir = core.database.name.replace(/\/keypool\.db$/, '')
    await core.close(0)
    cores = []
    const reopened = open(clock, dataDir)
    expect(reopened.stats.summary().requests.total).toBe(60)
    expect(reopened.stats.series('90d', 'outcome').totals).toEqual(series.totals)
  })
})
