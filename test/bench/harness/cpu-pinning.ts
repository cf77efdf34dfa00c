import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'

/**
 * Which core each side of a proxy benchmark runs on. The proxy under test (KeyPool or the
 * pass-through) gets core 0 to itself; the load generator and the mock upstream share core 1.
 * Without this the proxy and the load generator fight for the same cores and the figure measures
 * the scheduler. Pinning needs Linux, `taskset` and two cores; elsewhere everything floats and the
 * report says so.
 */
export const PROXY_CORE = 0
export const LOAD_CORE = 1

const TASKSET = '/usr/bin/taskset'

function canPin(): boolean {
  return process.platform === 'linux' && os.availableParallelism() >= 2 && fs.existsSync(TASKSET)
}

export const pinningAvailable = canPin()

/** The command line that runs `command args…` pinned to `core` (unchanged when unavailable). */
export function pinnedCommand(
  core: number,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  if (!pinningAvailable) return { command, args: [...args] }
  // taskset execs the command: the child's pid is the command's own, so /proc figures and
  // signals reach the real process.
  return { command: TASKSET, args: ['-c', String(core), command, ...args] }
}

/** The cores a process may run on, as taskset prints them (e.g. "0,1"), or null. */
export function affinityOf(pid: number): string | null {
  if (!pinningAvailable) return null
  const out = execFileSync(TASKSET, ['-cp', String(pid)], { encoding: 'utf8' })
  return /list:\s*(\S+)/.exec(out)?.[1] ?? null
}

/**
 * Pins every thread of a running process (`-a`: the event loop and libuv's and V8's helpers
 * alike) to `cores`. Returns false when pinning is unavailable.
 */
export function pinProcess(pid: number, cores: string): boolean {
  if (!pinningAvailable) return false
  execFileSync(TASKSET, ['-a', '-cp', cores, String(pid)], { stdio: 'ignore' })
  return true
}

/**
 * Pins this process to the load core and returns the function that restores its former
 * affinity (the test worker may be reused for another benchmark file).
 */
export function pinThisProcessToLoadCore(): () => void {
  const before = affinityOf(process.pid)
  if (!before || !pinProcess(process.pid, String(LOAD_CORE))) return () => {}
  return () => {
    pinProcess(process.pid, before)
  }
}
