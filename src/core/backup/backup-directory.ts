import fs from 'node:fs'
import path from 'node:path'
import type { BackupEntry, BackupReason } from '../../shared/contract/backups'
import { parseBackupName } from './backup-name'
import { fsyncDirectory } from './write-backup-file'

export const BACKUPS_DIR_NAME = 'backups'

/** Work files in the backups folder start with a dot, so no listing or name pattern matches them. */
const WORK_FILE = /^\.(?:partial|staging)-/

/**
 * The backups folder (`<dataDir>/backups`, 0700; files 0600): which backups exist, and the
 * file operations on them. Only names the service generates are ever listed or touched.
 */
export class BackupDirectory {
  readonly dir: string

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, BACKUPS_DIR_NAME)
  }

  /** Creates the folder when needed, private to the user. */
  ensure(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    if (process.platform !== 'win32') fs.chmodSync(this.dir, 0o700)
  }

  /** Removes work files a crash left behind; at start only, when no operation can be running. */
  removeStaleWorkFiles(): void {
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch {
      return
    }
    for (const name of names) {
      if (WORK_FILE.test(name)) fs.rmSync(path.join(this.dir, name), { force: true })
    }
  }

  /** Every backup, newest first. */
  list(): BackupEntry[] {
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const entries: (BackupEntry & { at: number })[] = []
    for (const name of names) {
      const parsed = parseBackupName(name)
      if (!parsed) continue
      let stat: fs.Stats
      try {
        stat = fs.statSync(path.join(this.dir, name))
      } catch {
        continue // deleted meanwhile
      }
      if (!stat.isFile()) continue
      entries.push({
        name,
        sizeBytes: stat.size,
        createdAt: new Date(parsed.createdAt).toISOString(),
        reason: parsed.reason,
        at: parsed.createdAt,
      })
    }
    return entries
      .sort((a, b) => b.at - a.at || (a.name < b.name ? 1 : -1))
      .map(({ at: _at, ...entry }) => entry)
  }

  /** The path of a backup; `name` has passed the contract's name pattern. */
  file(name: string): string {
    return path.join(this.dir, path.basename(name))
  }

  exists(name: string): boolean {
    try {
      return fs.statSync(this.file(name)).isFile()
    } catch {
      return false
    }
  }

  /** A fresh work file path (removed by the caller, or by `ensure` after a crash). */
  workFile(kind: 'partial' | 'staging', name: string): string {
    return path.join(this.dir, `.${kind}-${process.pid}-${name}`)
  }

  /** Moves a finished work file to its backup name, durably. */
  commit(workFile: string, name: string): void {
    fs.renameSync(workFile, this.file(name))
    fsyncDirectory(this.dir)
  }

  remove(name: string): boolean {
    try {
      fs.rmSync(this.file(name))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  /** Deletes the oldest backups of `reason` beyond the newest `keep`; their names. */
  prune(reason: BackupReason, keep: number): string[] {
    const surplus = this.list()
      .filter((entry) => entry.reason === reason)
      .slice(keep)
    return surplus.filter((entry) => this.remove(entry.name)).map((entry) => entry.name)
  }
}
