import type { Settings } from '../../shared/contract/settings'
import type { Clock } from '../clock'
import type { Database } from '../store/database'
import type { Logger } from '../logger'
import { RequestLogRepository } from './request-log-repository'
import { GRAIN_MS } from './rollup-delta'
import { RollupRepository } from './rollup-repository'

const DAY = 86_400_000
/** Per-minute sums serve the 1 h chart; two days leave room for a clock change. */
const MINUTE_ROLLUPS_KEEP_MS = 2 * DAY
/** Per-hour sums serve the 24 h and 7 d charts; per-day sums (totals) are kept forever. */
const HOUR_ROLLUPS_KEEP_MS = 90 * DAY
const CHUNK = 5_000
const INTERVAL_MS = 60 * 60_000

/**
 * Prunes raw log rows older than `data.retentionDays` (and old fine-grained roll-ups) at start
 * and every hour, in chunks of a few thousand rows with a turn of the event loop between them:
 * a first run over a large backlog must not stall the proxy. Roll-ups keep totals and per-day
 * history exact after the raw rows are gone.
 */
export class RetentionJob {
  private readonly log: RequestLogRepository
  private readonly rollups: RollupRepository
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined
  private stopped = false

  constructor(
    private readonly deps: {
      database: Database
      clock: Clock
      settings: () => Settings
      logger: Logger
    },
  ) {
    this.log = new RequestLogRepository(deps.database)
    this.rollups = new RollupRepository(deps.database)
  }

  start(): void {
    this.stopped = false
    setImmediate(() => void this.run())
    this.timer = setInterval(() => void this.run(), INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** One pass; resolves with the raw rows deleted. Overlapping calls share one pass. */
  run(): Promise<number> {
    this.running ??= this.prune().finally(() => (this.running = undefined))
    return this.running
  }

  private async prune(): Promise<number> {
    const now = this.deps.clock.now()
    const cutoff = now - this.deps.settings().data.retentionDays * DAY
    let deleted = 0
    try {
      for (;;) {
        if (this.stopped || !this.deps.database.open) return deleted
        const removed = this.log.pruneChunk(cutoff, CHUNK)
        deleted += removed
        if (removed < CHUNK) break
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (this.stopped || !this.deps.database.open) return deleted
      this.rollups.prune('m', Math.floor((now - MINUTE_ROLLUPS_KEEP_MS) / GRAIN_MS.m) * GRAIN_MS.m)
      this.rollups.prune('h', Math.floor((now - HOUR_ROLLUPS_KEEP_MS) / GRAIN_MS.h) * GRAIN_MS.h)
      if (deleted > 0) this.deps.logger.info('request log pruned', { deleted })
    } catch (error) {
      this.deps.logger.error('request log pruning failed', { error: String(error) })
    }
    return deleted
  }
}
