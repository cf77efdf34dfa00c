import fs from 'node:fs'

/**
 * What Linux tells about another process: resident memory from /proc/<pid>/status, open file
 * descriptors from /proc/<pid>/fd, and its TCP sockets by state, matched by inode against
 * /proc/net/tcp and /proc/net/tcp6. Linux only (the soak skips elsewhere).
 */

/** Resident set size and its high-water mark, in KiB. */
export interface MemorySample {
  rssKiB: number
  peakRssKiB: number
}

export function readMemory(pid: number): MemorySample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`)
    return Number(match[1])
  }
  return { rssKiB: field('VmRSS'), peakRssKiB: field('VmHWM') }
}

/** Open descriptors and, among them, the inodes of sockets. */
export interface DescriptorSample {
  fds: number
  socketInodes: Set<string>
}

export function readDescriptors(pid: number): DescriptorSample {
  const dir = `/proc/${pid}/fd`
  const socketInodes = new Set<string>()
  let fds = 0
  for (const name of fs.readdirSync(dir)) {
    let target: string
    try {
      target = fs.readlinkSync(`${dir}/${name}`)
    } catch {
      continue // Closed between readdir and readlink.
    }
    fds++
    const socket = /^socket:\[(\d+)\]$/.exec(target)
    if (socket) socketInodes.add(socket[1]!)
  }
  return { fds, socketInodes }
}

/** /proc/net/tcp state codes (include/net/tcp_states.h). */
const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
}

/** The process's TCP sockets counted by state, e.g. `{ LISTEN: 1, ESTABLISHED: 12 }`. */
export type TcpCounts = Record<string, number>

export function readTcpSockets(pid: number): TcpCounts {
  const { socketInodes } = readDescriptors(pid)
  const counts: TcpCounts = {}
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = fs.readFileSync(table, 'utf8')
    } catch {
      continue // No IPv6 in this namespace.
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/)
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
      const inode = columns[9]
      if (!inode || !socketInodes.has(inode)) continue
      const state = TCP_STATES[columns[3] ?? ''] ?? `state ${columns[3]}`
      counts[state] = (counts[state] ?? 0) + 1
    }
  }
  return counts
}

export const totalSockets = (counts: TcpCounts): number =>
  Object.values(counts).reduce((sum, n) => sum + n, 0)

export const describeSockets = (counts: TcpCounts): string =>
  Object.entries(counts)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ') || 'none'
