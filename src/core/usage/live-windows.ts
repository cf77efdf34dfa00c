/** Sums over one window. */
export interface WindowSums {
  requests: number
  successes: number
  errors: number
  tokens: number
}

export const emptySums = (): WindowSums => ({ requests: 0, successes: 0, errors: 0, tokens: 0 })

export function addSums(into: WindowSums, more: WindowSums): void {
  into.requests += more.requests
  into.successes += more.successes
  into.errors += more.errors
  into.tokens += more.tokens
}

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** The summary's windows, each `(now - length, now]`. */
export const WINDOW_LENGTHS = { lastMinute: MINUTE, lastHour: HOUR, last24h: DAY } as const
export type WindowName = keyof typeof WINDOW_LENGTHS

/** In `WINDOW_LENGTHS`' order, shortest first: each window contains the one before it. */
const WINDOW_NAMES = Object.keys(WINDOW_LENGTHS) as readonly WindowName[]

/**
 * Reads the requests of one partial second from the store: those with `from < at < to`. The
 * ring holds whole seconds only; the one second a window's far edge cuts through is answered
 * from the log's time index (a handful of rows), which makes every window exact to the ms.
 */
export type EdgeReader = (fromExclusive: number, toExclusive: number) => WindowSums

/** One slot per second of the last 24 h, plus two so today's second never shares a slot. */
const SLOTS = 86_402

/**
 * Per-second counters of the last 24 hours in memory (about 3 MB of typed arrays), so that the
 * summary's 1 min / 1 h / 24 h windows never scan the request log, however large it is. Each
 * slot remembers which second it holds; a stale slot reads as empty.
 */
export class LiveWindows {
  private readonly second = new Float64Array(SLOTS).fill(-1)
  private readonly requests = new Float64Array(SLOTS)
  private readonly successes = new Float64Array(SLOTS)
  private readonly errors = new Float64Array(SLOTS)
  private readonly tokens = new Float64Array(SLOTS)

  /** Counts requests that ended at `at` (ms). */
  add(at: number, sums: WindowSums): void {
    this.addCounts(at, sums.requests, sums.successes, sums.errors, sums.tokens)
  }

  /** `add` without a sums object: the proxy counts every request through this. */
  addCounts(at: number, requests: number, successes: number, errors: number, tokens: number): void {
    const second = Math.floor(at / 1000)
    const slot = second % SLOTS
    if (this.second[slot] !== second) {
      this.second[slot] = second
      this.requests[slot] = 0
      this.successes[slot] = 0
      this.errors[slot] = 0
      this.tokens[slot] = 0
    }
    this.requests[slot]! += requests
    this.successes[slot]! += successes
    this.errors[slot]! += errors
    this.tokens[slot]! += tokens
  }

  /**
   * Every window at `now`. The windows nest (a minute in an hour in a day), so one running sum
   * walks back from the current second, and each window takes it at its far edge. The walk over
   * up to 86,400 slots runs at least once a second while the summary is live: it is a plain loop
   * over the typed arrays with the sums in locals (a tenth of the time of one that looked the
   * windows up per second).
   */
  windows(now: number, edge: EdgeReader): Record<WindowName, WindowSums> {
    const result = { lastMinute: emptySums(), lastHour: emptySums(), last24h: emptySums() }
    const running = emptySums()
    // Seconds after `newest` are already in `running`.
    let newest = Math.floor(now / 1000)
    for (const name of WINDOW_NAMES) {
      const from = now - WINDOW_LENGTHS[name]
      const farSecond = Math.floor(from / 1000)
      this.sumSeconds(running, farSecond + 1, newest)
      newest = farSecond
      addSums(result[name], running)
      // The far edge cuts through second `farSecond`: its part after `from` comes from the store.
      if (this.has(farSecond) && from % 1000 !== 999) {
        addSums(result[name], edge(from, (farSecond + 1) * 1000))
      }
    }
    return result
  }

  /** Adds the whole seconds `first..last` (inclusive) to `into`. */
  private sumSeconds(into: WindowSums, first: number, last: number): void {
    const { second, requests, successes, errors, tokens } = this
    let r = 0
    let s = 0
    let e = 0
    let t = 0
    for (let at = last; at >= first; at--) {
      const slot = at % SLOTS
      if (second[slot] !== at) continue
      r += requests[slot]!
      s += successes[slot]!
      e += errors[slot]!
      t += tokens[slot]!
    }
    into.requests += r
    into.successes += s
    into.errors += e
    into.tokens += t
  }

  private has(second: number): boolean {
    const slot = second % SLOTS
    return this.second[slot] === second && this.requests[slot]! > 0
  }
}
