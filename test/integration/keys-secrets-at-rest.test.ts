import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DATABASE_FILE_NAME, type KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import { MASTER_KEY_FILE_NAME } from '../../src/core/secrets/key-file-wrapper'
import { PassphraseWrapper } from '../../src/core/secrets/passphrase-wrapper'
import { ADMIN_TOKEN_FILE_NAME } from '../../src/server/admin-token'
import { startHeadless } from '../../src/server/headless-server'
import { apiCaller, startTestServer } from '../support/headless'
import { tempDir } from '../support/temp-dir'

const posix = process.platform !== 'win32'

/** Occurrences of `needle` in a file's raw bytes (0 when the file does not exist). */
function hits(file: string, needle: string): number {
  if (!fs.existsSync(file)) return 0
  const bytes = fs.readFileSync(file)
  let count = 0
  for (const encoded of [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')]) {
    for (let at = bytes.indexOf(encoded); at >= 0; at = bytes.indexOf(encoded, at + 1)) count++
  }
  return count
}

/** The canary must never leave the machine: no validation on add or on a schedule. */
const offline = (core: KeyPoolCore): void =>
  void core.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })

const databaseFiles = (dataDir: string): string[] =>
  ['', '-wal', '-shm'].map((suffix) => path.join(dataDir, `${DATABASE_FILE_NAME}${suffix}`))

describe('S1: upstream keys at rest', () => {
  it('stores a canary key only as ciphertext, and no API result contains it', async () => {
    const server = await startTestServer()
    offline(server.core)
    const canary = `sk-canary-${randomBytes(24).toString('hex')}`
    const { api } = server
    const results: unknown[] = []
    const call = async (...args: Parameters<typeof api>) => {
      const answer = await api(...args)
      results.push(answer.body)
      return answer
    }
    // A positive control: a label is stored in clear, so the scan must find it.
    const visible = `visible-label-${randomBytes(8).toString('hex')}`
    expect((await call('POST', '/api/keys/bulk', { keys: `${canary},${visible}` })).body).toEqual({
      added: 1,
      duplicates: 0,
      malformed: 0,
    })
    await call('POST', '/api/keys/bulk', { keys: canary })
    await call('POST', '/api/keys/import', { format: 'txt', content: canary })
    await call('POST', '/api/keys/import', { format: 'json', content: `["${canary}", 1]` })
    await call('POST', '/api/keys/import', { format: 'json', content: `{"k":"${canary}"` })
    await call('POST', '/api/keys/import', { format: 'csv', content: `key\n${canary}` })
    await call('GET', '/api/keys/paginated')
    await call('GET', `/api/keys/paginated?q=${canary}`)
    await call('GET', '/api/keys/export?format=json')
    await call('GET', '/api/keys/export?format=csv')
    await call('PATCH', '/api/keys/1', { label: 'renamed' })
    await call('PATCH', '/api/keys/1', { label: canary.repeat(3) })
    await call('PUT', '/api/keys/1/status', { status: 'disabled' })
    await call('PUT', '/api/keys/1/status', { status: 'active' })
    await call('GET', '/api/keys/1/transitions')
    await call('POST', '/api/keys/bulk', { keys: canary, extra: canary })
    await call('POST', '/api/keys/bulk', { keys: canary, providerId: canary })
    await call('GET', `/api/keys/paginated?status=${canary}`)
    await call('GET', '/api/stats')
    expect(server.core.keys.readSecret(1)).toBe(canary)
    for (const body of results) expect(JSON.stringify(body)).not.toContain(canary)

    const [db, wal, shm] = databaseFiles(server.dataDir) as [string, string, string]
    expect(fs.statSync(wal).size).toBeGreaterThan(0)
    expect(fs.existsSync(shm)).toBe(true)
    for (const file of [db, wal, shm]) expect(hits(file, canary), file).toBe(0)
    expect(hits(db, visible) + hits(wal, visible)).toBeGreaterThan(0)
    server.core.database.pragma('wal_checkpoint(PASSIVE)')
    for (const file of [db, wal, shm]) expect(hits(file, canary), file).toBe(0)
    await server.close(1_000)
    for (const file of databaseFiles(server.dataDir)) expect(hits(file, canary), file).toBe(0)
    for (const name of fs.readdirSync(server.dataDir)) {
      expect(hits(path.join(server.dataDir, name), canary), name).toBe(0)
    }
  })

  it('keeps the canary out of the files with a passphrase too, and needs that passphrase', async () => {
    const dataDir = tempDir()
    const options = { dataDir, port: 0, host: '127.0.0.1', logger: silentLogger }
    const adminToken = 'test-admin-token-0123456789'
    let server = await startHeadless({
      ...options,
      adminToken,
      keyWrapper: new PassphraseWrapper('a long enough passphrase', 10),
    })
    offline(server.core)
    const canary = `sk-canary-${randomBytes(24).toString('hex')}`
    const api = apiCaller(server.url, adminToken)
    expect((await api('POST', '/api/keys/bulk', { keys: canary })).body).toMatchObject({ added: 1 })
    expect(fs.existsSync(path.join(dataDir, MASTER_KEY_FILE_NAME))).toBe(false)
    for (const file of databaseFiles(dataDir)) expect(hits(file, canary)).toBe(0)
    await server.close(1_000)

    await expect(
      startHeadless({ ...options, adminToken, passphrase: 'not the passphrase' }),
    ).rejects.toThrow(/could not unlock/)
    await expect(startHeadless({ ...options, adminToken })).rejects.toThrow(
      /protected by the passphrase/,
    )
    server = await startHeadless({ ...options, adminToken, passphrase: 'a long enough passphrase' })
    expect(server.core.keys.readSecret(1)).toBe(canary)
    expect(server.core.keyProtection.backend).toBe('passphrase')
    await server.close(1_000)
  })
})

describe('S5: file modes', () => {
  it('makes the data dir 0700 and the database, WAL, token and key files 0600', async () => {
    if (!posix) return
    const server = await startTestServer({ adminToken: '' as string })
    offline(server.core)
    await server.api('POST', '/api/keys/bulk', { keys: 'sk-modes-000000000000000000000001' })
    expect(fs.statSync(server.dataDir).mode & 0o777).toBe(0o700)
    const files = [
      ...databaseFiles(server.dataDir).filter((file) => fs.existsSync(file)),
      path.join(server.dataDir, ADMIN_TOKEN_FILE_NAME),
      path.join(server.dataDir, MASTER_KEY_FILE_NAME),
    ]
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const file of files) expect(fs.statSync(file).mode & 0o777, file).toBe(0o600)
    expect(server.core.keyProtection).toMatchObject({ backend: 'key-file' })
    await server.close(1_000)
  })
})
