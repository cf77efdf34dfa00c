import type { Logger } from '../logger'
import type { KeyUsageDelta } from '../store/key-repository'
import type { CompletedRequest } from '../usage/completed-request'

/** What one proxied request adds to a sub-key's counters. */
export interface SubKeyUsageDelta {
  id: number
  requests: number
  tokens: number
  lastUsedAt: number
}

/** What one upstream attempt adds to a key's counters (the failure streak is absolute). */
export type KeyUsageIncrement = Omit<KeyUsageDelta, 'id'>

export interface UsageBatchSinks {
  /** Runs the flush in one transaction. */
  transaction: (work: () => void) => void
  writeKeys: (deltas: readonly KeyUsageDelta[]) => void
  writeSubKeys: (deltas: readonly SubKeyUsageDelta[]) => void
  /** Request log rows and their roll-ups (issue 5), in the same transaction. */
  writeRequests?: (requests: readonly CompletedRequest[]) => void
}

export interface UsageBatchOptions {
  intervalMs?: number
  /**
   * A flush is due at once when this many log and sub-key rows are pending: it bounds the memory
   * of a burst, while `intervalMs` bounds how long a row waits. 5,000 is about 300 ms of the
   * benchmark's peak rate, so under load the interval decides; a cap of 1,000 made three times
   * as many transactions there and measured ~2 µs more CPU per request (docs/performance.md).
   */
  maxRows?: number
  /** Key counters are written at most this often by the writer's own flushes. */
  keyIntervalMs?: number
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number
  logger: Logger
}

/**
 * Accumulates per-key and per-sub-key counters in memory and writes them in one transaction
 * every `intervalMs` or `maxRows` rows (ARCHITECTURE "The hot path": never a synchronous SQLite
 * call per request beyond the quota reservation). Rows for the same id merge while pending;
 * request log rows are appended as they are.
 *
 * Key counters merge for longer, `keyIntervalMs` (a second): a pool used round-robin has a
 * pending row per key, so at 1,000 keys every batch updated about one key row (and its sort
 * indexes) per request. A key's row then lags its traffic by up to that second, like the
 * roll-ups (docs/architecture.md); `flush()`, which reads, backups and stops call, writes them
 * at once.
 */
export class UsageBatchWriter {
  private keys = new Map<number, KeyUsageDelta>()
  private subKeys = new Map<number, SubKeyUsageDelta>()
  private requests: CompletedRequest[] = []
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly intervalMs: number
  private readonly maxRows: number
  private readonly keyIntervalMs: number
  private readonly now: () => number
  private keysDueAt = 0

  constructor(
    private readonly sinks: UsageBatchSinks,
    private readonly options: UsageBatchOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 200
    this.maxRows = options.maxRows ?? 5_000
    this.keyIntervalMs = options.keyIntervalMs ?? 1_000
    this.now = options.now ?? Date.now
  }

  addKey(id: number, delta: KeyUsageIncrement): void {
    const pending = this.keys.get(id)
    if (!pending) this.keys.set(id, { id, ...delta })
    else {
      pending.requests += delta.requests
      pending.successes += delta.successes
      pending.failures += delta.failures
      pending.tokens += delta.tokens
      pending.consecutiveFailures = delta.consecutiveFailures
      pending.lastUsedAt = Math.max(pending.lastUsedAt, delta.lastUsedAt)
      if (delta.lastError) pending.lastError = delta.lastError
    }
    this.schedule()
  }

  addSubKey(delta: SubKeyUsageDelta): void {
    const pending = this.subKeys.get(delta.id)
    if (!pending) this.subKeys.set(delta.id, { ...delta })
    else {
      pending.requests += delta.requests
      pending.tokens += delta.tokens
      pending.lastUsedAt = Math.max(pending.lastUsedAt, delta.lastUsedAt)
    }
    this.schedule()
  }

  /** Queues one request log row. */
  addRequest(request: CompletedRequest): void {
    this.requests.push(request)
    this.schedule()
  }

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.keys.size + this.subKeys.size + this.requests.length
  }

  /** Writes everything pending now. A failed write is logged and its rows dropped, not retried. */
  flush(): void {
    this.write(true)
  }

  /** The writer's own flush: log rows and sub-keys, and key counters once their time is up. */
  private flushDue(): void {
    this.write(this.now() >= this.keysDueAt)
    // Key counters held back still need writing if no more traffic comes; checked every interval,
    // so rows added meanwhile never wait for the keys' second.
    if (this.keys.size > 0) this.arm(this.intervalMs)
  }

  private write(withKeys: boolean): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending === 0) return
    if (!withKeys && this.subKeys.size + this.requests.length === 0) return
    let keys: KeyUsageDelta[] = []
    if (withKeys) {
      keys = [...this.keys.values()]
      this.keys = new Map()
      this.keysDueAt = this.now() + this.keyIntervalMs
    }
    const subKeys = [...this.subKeys.values()]
    const requests = this.requests
    this.subKeys = new Map()
    this.requests = []
    try {
      this.sinks.transaction(() => {
        if (keys.length > 0) this.sinks.writeKeys(keys)
        if (subKeys.length > 0) this.sinks.writeSubKeys(subKeys)
        if (requests.length > 0) this.sinks.writeRequests?.(requests)
      })
    } catch (error) {
      this.options.logger.error('usage counters could not be written', {
        keys: keys.length,
        subKeys: subKeys.length,
        requests: requests.length,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  /** Final flush before the database closes; later additions are written at once. */
  stop(): void {
    this.stopped = true
    this.flush()
  }

  private schedule(): void {
    if (this.stopped) {
      this.flush()
      return
    }
    // Keys do not count: there are at most as many as the pool has.
    if (this.subKeys.size + this.requests.length >= this.maxRows) {
      this.flushDue()
      return
    }
    if (!this.timer) this.arm(this.intervalMs)
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.flushDue(), ms)
    this.timer.unref()
  }
}
