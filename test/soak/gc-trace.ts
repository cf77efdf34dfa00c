/**
 * Reads V8's `--trace-gc` lines from the child's stdout and keeps the full (mark-compact)
 * collections of its main isolate: the heap still in use right after one is the process's live
 * JavaScript data, the figure a leak makes grow.
 *
 *   [11425:0x38696000]   243509 ms: Mark-Compact 119.6 (236.8) -> 29.5 (104.5) MB, …
 *                                                 before (committed) -> after (committed)
 *   [11425:0x38696000] External memory reported:  5321 KB
 *
 * The second line comes with `--trace-gc-verbose`: the memory held outside the JS heap by
 * objects in it (Buffers and other ArrayBuffers), as V8 accounts it after that collection.
 */

export interface FullGc {
  /** ms since the load started (when the line arrived). */
  at: number
  /** Heap in use after the collection, MiB. */
  liveMiB: number
  /** Heap committed after the collection, MiB. */
  committedMiB: number
  /** The child's RSS read when the line arrived, KiB. */
  rssKiB: number
  /** External (ArrayBuffer) memory after the collection, MiB; null without `--trace-gc-verbose`. */
  externalMiB: number | null
}

const EXTERNAL = /^\[\d+:(0x[0-9a-f]+)\] External memory reported:\s+(\d+) KB/

const FULL_GC =
  /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: Mark-Compact (?:\(reduce\) )?[\d.]+ \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/

export class GcTrace {
  private partial = ''
  /** Per isolate (the sealer's worker threads have their own): full GCs and largest heap. */
  private readonly isolates = new Map<string, { gcs: FullGc[]; largest: number }>()

  constructor(
    private readonly now: () => number,
    private readonly rss: () => number,
  ) {}

  /** Feeds a chunk of the child's stdout. */
  push(text: string): void {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) {
      const external = EXTERNAL.exec(line)
      if (external) {
        // Printed after every collection; kept for the last full one that has none yet.
        const last = this.isolates.get(external[1]!)?.gcs.at(-1)
        if (last && last.externalMiB === null) last.externalMiB = Number(external[2]) / 1024
        continue
      }
      const match = FULL_GC.exec(line)
      if (!match) continue
      const [, isolate, committedBefore, live, committed] = match
      const entry = this.isolates.get(isolate!) ?? { gcs: [], largest: 0 }
      entry.largest = Math.max(entry.largest, Number(committedBefore))
      entry.gcs.push({
        at: this.now(),
        liveMiB: Number(live),
        committedMiB: Number(committed),
        rssKiB: this.rss(),
        externalMiB: null,
      })
      this.isolates.set(isolate!, entry)
    }
  }

  /** The main isolate's full collections: the isolate with the largest heap. */
  fullGcs(): FullGc[] {
    let main: { gcs: FullGc[]; largest: number } | undefined
    for (const entry of this.isolates.values()) {
      if (!main || entry.largest > main.largest) main = entry
    }
    return main?.gcs ?? []
  }
}
