import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import { CoalescingEmitter } from '../validation/coalescing-emitter'
import type { StatsService } from './stats-service'

const INTERVAL_MS = 1_000

/**
 * Pushes `stats.changed` (the summary) and `pool.health` (keys per state) to the UI (SPEC §5
 * "Live"): at most once a second, and only when a figure changed. Requests and key changes poke
 * it; a one-second tick keeps the windows moving while they are not all zero, since requests
 * leave the last minute without anything happening.
 */
export class StatsNotifier {
  private readonly emitter: CoalescingEmitter
  private readonly unsubscribe: (() => void)[] = []
  private tick: NodeJS.Timeout | undefined
  private lastSummary = ''
  private lastHealth = ''

  constructor(
    private readonly stats: StatsService,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {
    this.emitter = new CoalescingEmitter(() => this.publish(), INTERVAL_MS)
  }

  start(): void {
    // After the other listeners of the same event (the key router updates its counts first);
    // one microtask however many requests finish in this turn of the event loop.
    let queued = false
    const poke = () => {
      if (queued) return
      queued = true
      queueMicrotask(() => {
        queued = false
        this.emitter.poke()
      })
    }
    this.unsubscribe.push(
      // While the tick runs it publishes every second anyway, which is as often as the emitter
      // would: a request then has nothing to add, and skipping it spares a microtask per turn.
      this.stats.onRecorded(() => {
        if (!this.tick) poke()
      }),
      this.events.on('key.stateChanged', poke),
      this.events.on('keys.changed', poke),
    )
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off()
    if (this.tick) clearInterval(this.tick)
    this.tick = undefined
  }

  private publish(): void {
    if (this.unsubscribe.length === 0) return
    let summary
    try {
      summary = this.stats.summary()
    } catch (error) {
      this.logger.error('the statistics summary failed', { error: String(error) })
      return
    }
    const health = JSON.stringify(summary.keys)
    if (health !== this.lastHealth) {
      this.lastHealth = health
      this.events.emit('pool.health', { keys: summary.keys, usableKeys: summary.usableKeys })
    }
    const text = JSON.stringify(summary)
    if (text !== this.lastSummary) {
      this.lastSummary = text
      this.events.emit('stats.changed', summary)
    }
    const moving = summary.requests.last24h > 0
    if (moving && !this.tick) {
      this.tick = setInterval(() => this.emitter.poke(), INTERVAL_MS)
      this.tick.unref()
    } else if (!moving && this.tick) {
      clearInterval(this.tick)
      this.tick = undefined
    }
  }
}
