import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  BackupFileUnreadableError,
  readBackupFileFacts,
  readBackupFileFactsOffThread,
} from '../../../../src/core/backup/backup-file-facts'
import { backupName, parseBackupName } from '../../../../src/core/backup/backup-name'
import { openDatabase } from '../../../../src/core/store/database'
import { BACKUP_NAME_PATTERN } from '../../../../src/shared/contract'
import { tempDir } from '../../../support/temp-dir'

function sampleDatabase(): string {
  const file = path.join(tempDir(), 'sample.db')
  const db = openDatabase(file)
  db.prepare(
    "INSERT INTO secrets_meta (id, backend, wrapped_key, created_at, updated_at) VALUES (1, 'key-file', ?, 1, 1)",
  ).run(Buffer.from([1, 2, 3, 250]))
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return file
}

describe('reading a backup file for verification', () => {
  it('gives the same facts on a worker thread as on this one', async () => {
    const file = sampleDatabase()
    const here = readBackupFileFacts(file)
    expect(here.integrity).toEqual(['ok'])
    expect(here.tables).toContain('upstream_keys')
    expect(here.secretsMeta).toEqual({
      backend: 'key-file',
      wrappedKey: Buffer.from([1, 2, 3, 250]),
    })
    expect(await readBackupFileFactsOffThread(file)).toEqual(here)
  })

  it('reports a file SQLite cannot read, from the worker and without one', async () => {
    const file = path.join(tempDir(), 'not-a-database.db')
    fs.writeFileSync(file, 'hello, this is not SQLite'.repeat(100))
    await expect(readBackupFileFactsOffThread(file)).rejects.toBeInstanceOf(
      BackupFileUnreadableError,
    )
    expect(() => readBackupFileFacts(file)).toThrow(BackupFileUnreadableError)
  })

  it('falls back to this thread when the worker cannot run', async () => {
    const file = sampleDatabase()
    const broken = 'throw new Error("no workers here")'
    expect(await readBackupFileFactsOffThread(file, broken)).toEqual(readBackupFileFacts(file))
  })
})

describe('backup names', () => {
  it('round-trips time and reason, and matches the contract pattern', () => {
    const at = Date.UTC(2026, 10, 21, 12, 3, 4, 56)
    const name = backupName(at, 'pre-restore')
    expect(name).toBe('keypool-20261121-120304-056-pre-restore.db')
    expect(BACKUP_NAME_PATTERN.test(name)).toBe(true)
    expect(parseBackupName(name)).toEqual({ createdAt: at, reason: 'pre-restore' })
  })

  it('rejects other files and impossible dates', () => {
    for (const name of [
      'keypool.db',
      'keypool-20261341-120000-000-manual.db',
      'keypool-20261121-120000-000-manual.db-journal',
      '.partial-1-keypool-20261121-120000-000-manual.db',
    ]) {
      expect(parseBackupName(name), name).toBeUndefined()
    }
  })
})
