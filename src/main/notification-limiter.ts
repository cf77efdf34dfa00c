import type { Clock } from '../core/clock'

export interface NotificationLimiterOptions {
  clock: Clock
  /** At most one notification per kind in this many milliseconds. */
  windowMs?: number
  /** How long a first event waits for companions, so a burst becomes one notification. */
  settleMs?: number
}

/** Events of one kind released together: they become a single notification. */
export interface NotificationBatch<K extends string, T> {
  kind: K
  items: T[]
}

interface KindState<T> {
  pending: Map<string, T>
  firstPendingAt: number
  lastShownAt: number
}

/**
 * Decides when notifications may be shown; pure apart from the injected clock, so tests step
 * time by hand. Events are grouped per kind and de-duplicated by id: the first event of a quiet
 * kind is released after `settleMs` together with whatever arrived meanwhile, and after that the
 * kind stays quiet for `windowMs`, collecting events for one summary at the end of the window.
 * The caller polls `takeDue()` at `nextDueAt()`.
 */
export class NotificationLimiter<K extends string, T> {
  private readonly kinds = new Map<K, KindState<T>>()
  private readonly windowMs: number
  private readonly settleMs: number

  constructor(private readonly options: NotificationLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000
    this.settleMs = options.settleMs ?? 2_000
  }

  /** Records an event; a second event with the same id before release replaces the first. */
  push(kind: K, id: string, item: T): void {
    let state = this.kinds.get(kind)
    if (!state) {
      state = { pending: new Map(), firstPendingAt: 0, lastShownAt: -Infinity }
      this.kinds.set(kind, state)
    }
    if (state.pending.size === 0) state.firstPendingAt = this.options.clock.now()
    state.pending.delete(id)
    state.pending.set(id, item)
  }

  /** When the next batch becomes due, or undefined when nothing is pending. */
  nextDueAt(): number | undefined {
    let next: number | undefined
    for (const state of this.kinds.values()) {
      if (state.pending.size === 0) continue
      const due = this.dueAt(state)
      next = next === undefined ? due : Math.min(next, due)
    }
    return next
  }

  /** Removes and returns every batch that is due now. */
  takeDue(): NotificationBatch<K, T>[] {
    const now = this.options.clock.now()
    const batches: NotificationBatch<K, T>[] = []
    for (const [kind, state] of this.kinds) {
      if (state.pending.size === 0 || this.dueAt(state) > now) continue
      batches.push({ kind, items: [...state.pending.values()] })
      state.pending.clear()
      state.lastShownAt = now
    }
    return batches
  }

  /** Forgets pending events of a kind (say, when the user turned that kind off). */
  drop(kind: K): void {
    this.kinds.get(kind)?.pending.clear()
  }

  private dueAt(state: KindState<T>): number {
    return Math.max(state.firstPendingAt + this.settleMs, state.lastShownAt + this.windowMs)
  }
}
