import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { closeDatabase, openDatabase } from '../../../../src/core/store/database'
import { DatabaseTooNewError, type Migration } from '../../../../src/core/store/migration'
import { migrations } from '../../../../src/core/store/migrations'
import { tempDir } from '../../../support/temp-dir'

describe('openDatabase', () => {
  it('opens in WAL mode with the pragmas read back', () => {
    const db = openDatabase(path.join(tempDir(), 'k.db'))
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(1)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length)
    closeDatabase(db)
  })

  it.skipIf(process.platform === 'win32')('creates the database file with mode 0600', () => {
    const file = path.join(tempDir(), 'k.db')
    closeDatabase(openDatabase(file))
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })

  it('refuses a database from a newer version and leaves it untouched', () => {
    const file = path.join(tempDir(), 'k.db')
    const raw = new BetterSqlite3(file)
    raw.pragma(`user_version = ${migrations.length + 5}`)
    raw.close()
    const before = fs.readFileSync(file)
    expect(() => openDatabase(file)).toThrow(DatabaseTooNewError)
    expect(() => openDatabase(file)).toThrow(/newer KeyPool/)
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })

  it('migrates an older database forward, one version per transaction', () => {
    const file = path.join(tempDir(), 'k.db')
    const first: Migration = {
      version: 1,
      name: 'one',
      up: (db) => db.exec('CREATE TABLE a (x INTEGER)'),
    }
    const second: Migration = {
      version: 2,
      name: 'two',
      up: (db) => db.exec('CREATE TABLE b (y INTEGER)'),
    }
    closeDatabase(openDatabase(file, { migrations: [first] }))
    const db = openDatabase(file, { migrations: [first, second] })
    expect(db.pragma('user_version', { simple: true })).toBe(2)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeTruthy()
    closeDatabase(db)
  })

  it('rolls back a failing migration whole, keeping the previous version', () => {
    const file = path.join(tempDir(), 'k.db')
    const good: Migration = { version: 1, name: 'ok', up: (db) => db.exec('CREATE TABLE a (x)') }
    const bad: Migration = {
      version: 2,
      name: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half (x)')
        throw new Error('boom')
      },
    }
    expect(() => openDatabase(file, { migrations: [good, bad] })).toThrow('boom')
    const raw = new BetterSqlite3(file)
    expect(raw.pragma('user_version', { simple: true })).toBe(1)
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined()
    raw.close()
  })

  it('checkpoints the WAL away on a clean close', () => {
    const file = path.join(tempDir(), 'k.db')
    const db = openDatabase(file)
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    closeDatabase(db)
    const walSize = fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0
    expect(walSize).toBe(0)
  })
})
