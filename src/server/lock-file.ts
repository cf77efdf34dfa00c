import fs from 'node:fs'
import path from 'node:path'

export const LOCK_FILE_NAME = 'keypool.lock'

export class LockHeldError extends Error {
  constructor(
    readonly pid: number,
    dataDir: string,
  ) {
    super(
      `Another KeyPool (pid ${pid}) is already using ${dataDir}. Stop it first, or start this ` +
        `one with another --data-dir.`,
    )
    this.name = 'LockHeldError'
  }
}

/**
 * One writer per data folder (SQLite is shared by nobody else): an exclusive-create lock file
 * holding our pid. A lock left by a process that no longer runs is taken over.
 * Returns the function that releases it.
 */
export function acquireLock(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE_NAME)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600)
      fs.writeSync(fd, String(process.pid))
      fs.closeSync(fd)
      return () => release(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = readPid(file)
      if (holder !== undefined && holder !== process.pid && isRunning(holder)) {
        throw new LockHeldError(holder, dataDir)
      }
      fs.rmSync(file, { force: true })
    }
  }
  throw new Error(`Could not take the lock ${file}`)
}

function release(file: string): void {
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true })
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
