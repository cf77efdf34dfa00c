import type { ValidationResult } from './validation-tally'
import { ValidationTally } from './validation-tally'

/** Checks one key; undefined when the check was cancelled (it is then not counted). */
export type KeyCheck = (id: number, signal: AbortSignal) => Promise<ValidationResult | undefined>

export interface ValidationRunHooks {
  check: KeyCheck
  /** Read as workers start and finish, so a changed setting applies to the rest of a run. */
  concurrency: () => number
  /** After each counted key (the owner coalesces these into events). */
  progressed: () => void
  /** Once, when the last worker stopped: queue drained or run cancelled. */
  ended: (run: ValidationRun) => void
}

/**
 * One validation run: a queue of key ids that may grow while it runs (keys added or asked for
 * meanwhile join it) and at most `concurrency()` workers pulling from it. A run is a plain
 * worker pool, not a library's: it needs a growing queue, shared cancellation and per-key
 * counting, which is about as much code as adapting one.
 */
export class ValidationRun {
  readonly tally: ValidationTally
  readonly settled: Promise<void>
  private readonly controller = new AbortController()
  private readonly queue: number[] = []
  private readonly seen = new Set<number>()
  private next = 0
  private workers = 0
  private resolveSettled!: () => void

  constructor(
    readonly id: string,
    private readonly hooks: ValidationRunHooks,
  ) {
    this.tally = new ValidationTally(id)
    this.settled = new Promise((resolve) => (this.resolveSettled = resolve))
  }

  get finished(): boolean {
    return this.tally.finished
  }

  /** Queues the ids not already in this run and starts workers; answers how many were new. */
  add(ids: Iterable<number>): number {
    if (this.finished || this.controller.signal.aborted) return 0
    let added = 0
    for (const id of ids) {
      if (this.seen.has(id)) continue
      this.seen.add(id)
      this.queue.push(id)
      added++
    }
    this.tally.total += added
    this.spawn()
    if (this.workers === 0) this.finish()
    return added
  }

  /** Stops taking keys and aborts the checks in flight; their answers are dropped. */
  cancel(): boolean {
    if (this.finished || this.controller.signal.aborted) return false
    this.tally.cancelled = true
    this.controller.abort()
    this.queue.length = this.next
    if (this.workers === 0) this.finish()
    return true
  }

  private spawn(): void {
    const limit = Math.max(1, this.hooks.concurrency())
    while (this.workers < limit && this.next < this.queue.length) {
      this.workers++
      void this.work()
    }
  }

  /** A lowered `concurrency` setting retires workers as they finish a key. */
  private overLimit(): boolean {
    return this.workers > Math.max(1, this.hooks.concurrency())
  }

  /** Takes its first key synchronously, so `spawn` never starts a worker with nothing to do. */
  private async work(): Promise<void> {
    const { signal } = this.controller
    try {
      while (!signal.aborted && this.next < this.queue.length && !this.overLimit()) {
        const id = this.queue[this.next++] as number
        let result: ValidationResult | undefined
        try {
          result = await this.hooks.check(id, signal)
        } catch {
          result = 'unknown'
        }
        if (signal.aborted) break
        if (result === undefined) continue
        this.tally.count(result)
        this.hooks.progressed()
        this.spawn()
      }
    } finally {
      this.workers--
      if (this.workers === 0 && (signal.aborted || this.next >= this.queue.length)) this.finish()
    }
  }

  private finish(): void {
    if (this.tally.finished) return
    this.tally.finished = true
    this.hooks.ended(this)
    this.resolveSettled()
  }
}
