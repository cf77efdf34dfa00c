import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import type { SettingsService } from '../services/settings-service'
import { unrefTimers, type TimerApi } from './coalescing-emitter'
import type { ValidationService } from './validation-service'

const MINUTE_MS = 60_000

/**
 * Re-checks the dead keys (`invalid` and `exhausted`) every `validation.scheduleMinutes`, so a key
 * whose account was topped up or unblocked comes back without the user (the top complaint about
 * gpt-load and one-api: keys that never recover). 0 turns it off. A settings change re-arms the
 * timer from that moment. Timers are unref'd and `stop()` is called by `core.close()`.
 */
export class ValidationScheduler {
  private handle: unknown
  private minutes = 0
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly validation: Pick<ValidationService, 'recheckDead'>,
    private readonly settings: Pick<SettingsService, 'get'>,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly timers: TimerApi = unrefTimers,
  ) {}

  start(): void {
    if (this.unsubscribe) return
    this.unsubscribe = this.events.on('settings.changed', (settings) => {
      if (settings.validation.scheduleMinutes !== this.minutes) {
        this.arm(settings.validation.scheduleMinutes)
      }
    })
    this.arm(this.settings.get().validation.scheduleMinutes)
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.disarm()
  }

  /** Whether a re-check is scheduled. */
  get armed(): boolean {
    return this.handle !== undefined
  }

  /** One scheduled re-check now (the timer calls this; so may a test). */
  tick(): void {
    this.handle = undefined
    try {
      this.validation.recheckDead()
    } catch (error) {
      this.logger.warn('scheduled validation did not start', {
        error: error instanceof Error ? error.message : String(error),
      })
    }
    if (this.unsubscribe) this.arm(this.minutes)
  }

  private arm(minutes: number): void {
    this.disarm()
    this.minutes = minutes
    if (minutes > 0) this.handle = this.timers.setTimeout(() => this.tick(), minutes * MINUTE_MS)
  }

  private disarm(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle)
    this.handle = undefined
  }
}
