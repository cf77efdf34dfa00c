import { Notification } from 'electron'
import { systemClock, type Clock } from '../core/clock'
import { NotificationLimiter } from './notification-limiter'
import {
  closedToTrayText,
  keyFailureText,
  poolEmptyText,
  subKeyExpiringText,
  type ExpiringSubKey,
  type KeyFailure,
  type NotificationText,
} from './notification-text'
import type { PoolHealthInput } from './pool-health'

const MAX_REFERENCED = 20

export type { ExpiringSubKey, KeyFailure } from './notification-text'

/** The kinds the user can turn off (settings `notifications`). */
export interface NotificationToggles {
  keyFailed: boolean
  poolEmpty: boolean
  subKeyExpiring: boolean
}

export type NotificationKind = keyof NotificationToggles

type Item =
  | { kind: 'keyFailed'; failure: KeyFailure }
  | { kind: 'poolEmpty' }
  | { kind: 'subKeyExpiring'; subKey: ExpiringSubKey }

export interface DesktopNotifierOptions {
  /** Read at every event and again at release, so a settings change applies at once. */
  toggles: () => NotificationToggles
  clock?: Clock
  windowMs?: number
  settleMs?: number
  /** Icon shown in the notification (Linux needs a file path). */
  iconPath?: string
  /** Clicking any notification (usually: show the window). */
  onClick?: () => void
  /** Whether the closed-to-tray notice was ever shown (persisted by the shell). */
  trayNoticeShown?: boolean
  onTrayNoticeShown?: () => void
}

/**
 * OS notifications for SPEC §7: a key turned invalid/exhausted, the pool has no usable key, a
 * sub-key expires within a day — each can be turned off, and rate-limited per kind so a burst of
 * failures gives one notification. Plus the one-time "still running in the tray" notice.
 */
export class DesktopNotifier {
  private readonly clock: Clock
  private readonly limiter: NotificationLimiter<NotificationKind, Item>
  /** Notifications are kept referenced until closed, or a click may never arrive (Windows). */
  private readonly shown = new Set<Notification>()
  private readonly expiringSeen = new Set<string>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private poolUsable: boolean | undefined
  private trayNoticeShown: boolean
  private disposed = false

  constructor(private readonly options: DesktopNotifierOptions) {
    this.clock = options.clock ?? systemClock
    this.limiter = new NotificationLimiter({
      clock: this.clock,
      windowMs: options.windowMs,
      settleMs: options.settleMs,
    })
    this.trayNoticeShown = options.trayNoticeShown ?? false
  }

  /** A key turned invalid or exhausted. */
  keyFailed(failure: KeyFailure): void {
    this.offer('keyFailed', `key:${failure.keyId}`, { kind: 'keyFailed', failure })
  }

  /** The pool has no usable key. Prefer `observePool`, which calls this on the transition. */
  poolEmpty(): void {
    this.offer('poolEmpty', 'pool', { kind: 'poolEmpty' })
  }

  /** A sub-key expires within a day; told once per sub-key and expiry date. */
  subKeyExpiring(subKey: ExpiringSubKey): void {
    const id = `${subKey.id}@${subKey.expiresAt}`
    if (this.expiringSeen.has(id)) return
    if (!this.options.toggles().subKeyExpiring) return
    this.expiringSeen.add(id)
    this.offer('subKeyExpiring', id, { kind: 'subKeyExpiring', subKey })
  }

  /**
   * Feed it every pool-health update: it notifies when the pool goes from having a usable key to
   * having none (not at start-up with an empty pool: the red tray icon already says so).
   */
  observePool(input: PoolHealthInput): void {
    const usable = input.counts.active > 0
    if (this.poolUsable === true && !usable && input.counts.total > 0) this.poolEmpty()
    this.poolUsable = usable
  }

  /** Shows "KeyPool keeps running in the tray" the first time only; true when shown now. */
  closedToTray(): boolean {
    if (this.trayNoticeShown || this.disposed) return false
    if (!this.show(closedToTrayText())) return false
    this.trayNoticeShown = true
    this.options.onTrayNoticeShown?.()
    return true
  }

  /** Shows whatever the limiter released; runs on its own timer. */
  flush(): void {
    if (this.disposed) return
    const toggles = this.options.toggles()
    for (const batch of this.limiter.takeDue()) {
      if (!toggles[batch.kind]) continue
      this.show(this.textFor(batch.kind, batch.items))
    }
    this.schedule()
  }

  dispose(): void {
    this.disposed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.shown.clear()
  }

  private offer(kind: NotificationKind, id: string, item: Item): void {
    if (this.disposed || !this.options.toggles()[kind]) return
    this.limiter.push(kind, id, item)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const due = this.limiter.nextDueAt()
    if (due === undefined || this.disposed) return
    this.timer = setTimeout(() => this.flush(), Math.max(0, due - this.clock.now()))
  }

  private textFor(kind: NotificationKind, items: Item[]): NotificationText {
    if (kind === 'keyFailed') {
      return keyFailureText(items.flatMap((i) => (i.kind === 'keyFailed' ? [i.failure] : [])))
    }
    if (kind === 'subKeyExpiring') {
      const subKeys = items.flatMap((i) => (i.kind === 'subKeyExpiring' ? [i.subKey] : []))
      return subKeyExpiringText(subKeys, this.clock.now())
    }
    return poolEmptyText()
  }

  private show(text: NotificationText): boolean {
    if (!Notification.isSupported()) return false
    const notification = new Notification({
      title: text.title,
      body: text.body,
      ...(this.options.iconPath ? { icon: this.options.iconPath } : {}),
    })
    this.shown.add(notification)
    // Some Linux servers never report `close`: keep only the most recent few.
    for (const old of this.shown) {
      if (this.shown.size <= MAX_REFERENCED) break
      this.shown.delete(old)
    }
    notification.on('click', () => this.options.onClick?.())
    notification.on('close', () => this.shown.delete(notification))
    notification.show()
    return true
  }
}
