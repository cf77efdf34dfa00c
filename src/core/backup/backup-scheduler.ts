import type { Settings } from '../../shared/contract/settings'
import type { Clock } from '../clock'
import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import { unrefTimers, type TimerApi } from '../validation/coalescing-emitter'
import type { BackupService } from './backup-service'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS

export interface BackupSchedulerOptions {
  /** The first backup waits this long after start, so it never slows the start itself. */
  startDelayMs?: number
  /** After a failed or refused backup, the next attempt waits this long. */
  retryMs?: number
  /** The longest single timer: a sleeping laptop or a changed clock is noticed within it. */
  maxTimerMs?: number
  timers?: TimerApi
}

/**
 * Makes a `scheduled` backup every `data.backupIntervalHours` (0 = off). The next one is due an
 * interval after the newest scheduled backup on disk, not after this start, so an app that only
 * runs a few hours a day still gets its daily backup; with none on disk it is due shortly after
 * start. Times come from the core's clock; the timer only says when to look again (at most
 * hourly). A settings change re-arms the timer and applies a lowered `backupKeep` at once.
 */
export class BackupScheduler {
  private handle: unknown
  private unsubscribe: (() => void) | undefined
  private data: Settings['data'] | undefined
  private readonly startedAt: number
  private retryAt = 0
  private running: Promise<void> | undefined
  private readonly timers: TimerApi
  private readonly startDelayMs: number
  private readonly retryMs: number
  private readonly maxTimerMs: number

  constructor(
    private readonly backups: Pick<BackupService, 'create' | 'newest' | 'pruneAll'>,
    private readonly settings: () => Settings,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: BackupSchedulerOptions = {},
  ) {
    this.timers = options.timers ?? unrefTimers
    this.startDelayMs = options.startDelayMs ?? 5 * MINUTE_MS
    this.retryMs = options.retryMs ?? 15 * MINUTE_MS
    this.maxTimerMs = options.maxTimerMs ?? HOUR_MS
    this.startedAt = clock.now()
  }

  start(): void {
    if (this.unsubscribe) return
    this.unsubscribe = this.events.on('settings.changed', (settings) => {
      const before = this.data
      this.data = settings.data
      if (before && settings.data.backupKeep < before.backupKeep) this.backups.pruneAll()
      if (settings.data.backupIntervalHours !== before?.backupIntervalHours) this.arm()
    })
    this.data = this.settings().data
    this.arm()
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.disarm()
  }

  /** When the next scheduled backup is due (ms), or undefined when the schedule is off. */
  dueAt(): number | undefined {
    const hours = this.settings().data.backupIntervalHours
    if (hours === 0) return undefined
    const newest = this.backups.newest('scheduled')
    const due = newest
      ? Date.parse(newest.createdAt) + hours * HOUR_MS
      : this.startedAt + this.startDelayMs
    return Math.max(due, this.startedAt + this.startDelayMs, this.retryAt)
  }

  /** Whether a timer is set. */
  get armed(): boolean {
    return this.handle !== undefined
  }

  /** The timer's callback: backs up when due, then arms again. Exposed for tests. */
  tick(): Promise<void> {
    this.handle = undefined
    this.running ??= this.runIfDue().finally(() => {
      this.running = undefined
      if (this.unsubscribe) this.arm()
    })
    return this.running
  }

  private async runIfDue(): Promise<void> {
    const due = this.dueAt()
    if (due === undefined || this.clock.now() < due) return
    try {
      await this.backups.create('scheduled')
      this.retryAt = 0
    } catch (error) {
      this.retryAt = this.clock.now() + this.retryMs
      this.logger.warn('scheduled backup failed; trying again later', {
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  private arm(): void {
    this.disarm()
    if (this.running) return
    const due = this.dueAt()
    if (due === undefined) return
    const wait = Math.min(Math.max(due - this.clock.now(), 0), this.maxTimerMs)
    this.handle = this.timers.setTimeout(() => void this.tick(), wait)
  }

  private disarm(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle)
    this.handle = undefined
  }
}
