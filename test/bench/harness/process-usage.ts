import fs from 'node:fs'

/**
 * CPU time and memory of another process, read from Linux's /proc (no dependency, no signal
 * to the process). Elsewhere the readers answer null and the report leaves the column empty.
 */

/** Clock ticks per second of /proc/<pid>/stat's utime and stime; 100 on every Linux we run. */
const TICKS_PER_SECOND = 100

/**
 * Two clock-tick fields of a /proc stat file added up, in seconds, or null. Fields are counted
 * after the command name (field 2, in parentheses, may contain spaces): the state, field 3, is
 * at index 0.
 */
function statSeconds(file: string, first: number, second: number): number | null {
  let stat: string
  try {
    stat = fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const a = Number(fields[first])
  const b = Number(fields[second])
  return Number.isFinite(a) && Number.isFinite(b) ? (a + b) / TICKS_PER_SECOND : null
}

/** User + system CPU seconds the process has used so far (utime, stime), or null. */
export function cpuSeconds(pid: number): number | null {
  return statSeconds(`/proc/${pid}/stat`, 11, 12)
}

/**
 * CPU seconds of this process's children that have ended and been waited for (cutime, cstime),
 * or null: how a load generator run as a child is metered.
 */
export function childrenCpuSeconds(): number | null {
  return statSeconds('/proc/self/stat', 13, 14)
}

/** Resident set size now (`VmRSS`) and its peak since start (`VmHWM`), in bytes, or null. */
export function residentMemory(pid: number): { rss: number; peak: number } | null {
  let status: string
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  const kib = (field: string): number | null => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) * 1024 : null
  }
  const rss = kib('VmRSS')
  const peak = kib('VmHWM')
  return rss === null || peak === null ? null : { rss, peak }
}

/**
 * Measures the share of one core a process used between `start()` and `stop()` (1.0 = one core
 * fully busy). This is how the report proves the proxy under test, not the load side, was the
 * bottleneck.
 */
export class CpuMeter {
  private startCpu: number | null = null
  private startWall = 0

  constructor(private readonly pid: number) {}

  start(): void {
    this.startCpu = this.pid === process.pid ? ownCpuSeconds() : cpuSeconds(this.pid)
    this.startWall = performance.now()
  }

  /** Cores used on average since `start()`, or null when /proc is unavailable. */
  stop(): number | null {
    const now = this.pid === process.pid ? ownCpuSeconds() : cpuSeconds(this.pid)
    if (this.startCpu === null || now === null) return null
    const wall = (performance.now() - this.startWall) / 1000
    return wall > 0 ? (now - this.startCpu) / wall : null
  }
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

/** Busy and total jiffies of each core from /proc/stat, or null. */
function coreTimes(): { busy: number; total: number }[] | null {
  let stat: string
  try {
    stat = fs.readFileSync('/proc/stat', 'utf8')
  } catch {
    return null
  }
  const cores: { busy: number; total: number }[] = []
  for (const line of stat.split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line)
    if (!match) continue
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    const fields = match[2]!.trim().split(/\s+/).map(Number)
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0)
    cores[Number(match[1])] = { busy: total - fields[3]! - fields[4]!, total }
  }
  return cores
}

/**
 * How busy each core was between `start()` and `stop()` (1.0 = fully), whoever kept it busy.
 * Beside a process's own CPU share this shows whether others used the proxy's core: a proxy
 * at 0.5 on a core that was busy 1.0 shared it; on a core busy 0.5 it was waiting.
 */
export class CoreMeter {
  private before: { busy: number; total: number }[] | null = null

  start(): void {
    this.before = coreTimes()
  }

  stop(): number[] | null {
    const after = coreTimes()
    if (!this.before || !after) return null
    return after.map((core, i) => {
      const was = this.before![i]
      if (!was || core.total === was.total) return Number.NaN
      return (core.busy - was.busy) / (core.total - was.total)
    })
  }
}
