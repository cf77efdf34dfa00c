import { residentMemory } from './process-usage'

/**
 * Samples a process's resident memory every `intervalMs` and keeps the highest value, plus one
 * value per second (does memory level off, or grow with the streams' age?). The kernel's own
 * high-water mark (VmHWM) is read too: it catches a peak between two samples.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined
  private peakRss = 0
  private samples = 0
  private startedAt = 0
  private readonly perSecond: number[] = []

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.startedAt = performance.now()
    this.sample()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
  }

  /** Stops sampling; the peak sampled RSS and the kernel's high-water mark, in bytes. */
  stop(): { peakRss: number; highWater: number; samples: number; perSecond: (number | null)[] } {
    clearInterval(this.timer)
    this.timer = undefined
    this.sample()
    return {
      peakRss: this.peakRss,
      highWater: residentMemory(this.pid)?.peak ?? Number.NaN,
      samples: this.samples,
      // A second without a sample (the timer was late) is null, not a guess.
      perSecond: Array.from(this.perSecond, (rss) => rss ?? null),
    }
  }

  private sample(): void {
    const memory = residentMemory(this.pid)
    if (!memory) return
    this.samples++
    this.peakRss = Math.max(this.peakRss, memory.rss)
    const second = Math.floor((performance.now() - this.startedAt) / 1000)
    if (this.perSecond[second] === undefined) this.perSecond[second] = memory.rss
  }
}
