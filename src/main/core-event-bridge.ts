import type { KeyPoolCore } from '../core/keypool-core'
import type { DesktopNotifier } from './desktop-notifier'

/** The parts of the core the bridge listens to and reads. */
export type EventBridgeCore = Pick<KeyPoolCore, 'events' | 'keys' | 'subKeys' | 'clock'>

export interface CoreEventBridgeOptions {
  core: EventBridgeCore
  /** Re-reads the pool and updates the tray (and the notifier's empty-pool watch). */
  refresh: () => void
  notifier: Pick<DesktopNotifier, 'keyFailed' | 'subKeyExpiring'>
  /** Minimum time between two tray refreshes. */
  refreshIntervalMs?: number
  /** How often sub-key expiries are checked. */
  expiryCheckIntervalMs?: number
  /** A sub-key expiring within this much time is announced. */
  expiryWarningMs?: number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Connects the core's events to the tray and the notifications (SPEC §7). Key events arrive in
 * bursts (a failing upstream turns many keys at once, a validation run walks the pool), so tray
 * refreshes are coalesced to at most one per `refreshIntervalMs`; the first one waits a tick so
 * every listener of the same event, the key router's pool included, has applied it before the
 * counts are read. Notifications go through the notifier, which does its own rate limiting.
 *
 * Sub-key expiry has no event (time passes, nothing changes), so it is checked hourly, at start,
 * and whenever sub-keys change; the notifier tells each sub-key and expiry only once.
 */
export class CoreEventBridge {
  private readonly refreshIntervalMs: number
  private readonly expiryWarningMs: number
  private readonly offs: (() => void)[] = []
  private refreshTimer: ReturnType<typeof setTimeout> | undefined
  private expiryTimer: ReturnType<typeof setInterval> | undefined
  private lastRefreshAt = Number.NEGATIVE_INFINITY

  constructor(private readonly options: CoreEventBridgeOptions) {
    this.refreshIntervalMs = options.refreshIntervalMs ?? 1_000
    this.expiryWarningMs = options.expiryWarningMs ?? DAY_MS
  }

  start(): void {
    const { events } = this.options.core
    this.offs.push(
      events.on('key.stateChanged', (change) => {
        if (change.from !== change.to && (change.to === 'invalid' || change.to === 'exhausted')) {
          this.options.notifier.keyFailed({
            keyId: change.id,
            label: this.keyLabel(change.id),
            state: change.to,
          })
        }
        this.requestRefresh()
      }),
      events.on('keys.changed', () => this.requestRefresh()),
      events.on('stats.changed', () => this.requestRefresh()),
      events.on('pool.health', () => this.requestRefresh()),
      events.on('providers.changed', () => this.requestRefresh()),
      events.on('subKeys.changed', () => this.checkExpiringSubKeys()),
    )
    this.expiryTimer = setInterval(
      () => this.checkExpiringSubKeys(),
      this.options.expiryCheckIntervalMs ?? 60 * 60 * 1000,
    )
    this.expiryTimer.unref?.()
    this.checkExpiringSubKeys()
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off()
    if (this.refreshTimer) clearTimeout(this.refreshTimer)
    if (this.expiryTimer) clearInterval(this.expiryTimer)
    this.refreshTimer = undefined
    this.expiryTimer = undefined
  }

  /** Schedules one refresh: on the next tick, or when the interval since the last one is over. */
  requestRefresh(): void {
    if (this.refreshTimer) return
    const wait = Math.max(0, this.lastRefreshAt + this.refreshIntervalMs - Date.now())
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      this.lastRefreshAt = Date.now()
      this.options.refresh()
    }, wait)
  }

  /** Announces enabled, active sub-keys whose expiry is in the future but within the warning. */
  checkExpiringSubKeys(): void {
    const now = this.options.core.clock.now()
    for (const subKey of this.options.core.subKeys.list()) {
      if (!subKey.enabled || subKey.status !== 'active' || subKey.expiresAt === null) continue
      const expiresAt = Date.parse(subKey.expiresAt)
      if (expiresAt <= now || expiresAt - now > this.expiryWarningMs) continue
      this.options.notifier.subKeyExpiring({ id: subKey.id, name: subKey.name, expiresAt })
    }
  }

  /** The key's label or masked form (`sk-…abcd`), never its secret (SECURITY.md S3). */
  private keyLabel(id: number): string {
    try {
      const key = this.options.core.keys.get(id)
      return key.label || key.masked
    } catch {
      return `key #${id}` // deleted meanwhile
    }
  }
}
