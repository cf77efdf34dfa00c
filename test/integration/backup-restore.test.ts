import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { BACKUPS_DIR_NAME } from '../../src/core/backup/backup-directory'
import { backupName } from '../../src/core/backup/backup-name'
import { DATABASE_FILE_NAME, KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import { PassphraseWrapper } from '../../src/core/secrets/passphrase-wrapper'
import { migrations } from '../../src/core/store/migrations'
import { startHeadless } from '../../src/server/headless-server'
import type { BackupEntry, BackupRestoreResult, EventName } from '../../src/shared/contract'
import { apiCaller } from '../support/headless'
import { tempDir } from '../support/temp-dir'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

const posix = process.platform !== 'win32'

let harness: ProxyHarness | undefined
const cores: KeyPoolCore[] = []
afterEach(async () => {
  await harness?.close()
  harness = undefined
  for (const core of cores.splice(0)) await core.close(0)
})

/** Occurrences of `needle` in a file's raw bytes, UTF-8 or UTF-16. */
function hits(file: string, needle: string): number {
  const bytes = fs.readFileSync(file)
  let count = 0
  for (const encoded of [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')]) {
    for (let at = bytes.indexOf(encoded); at >= 0; at = bytes.indexOf(encoded, at + 1)) count++
  }
  return count
}

const backupsDir = (h: ProxyHarness): string => path.join(h.dataDir, BACKUPS_DIR_NAME)

async function ok<T>(h: ProxyHarness, method: string, url: string, body?: unknown): Promise<T> {
  const answer = await h.api(method, url, body)
  if (answer.status !== 200) {
    throw new Error(`${method} ${url}: ${answer.status} ${JSON.stringify(answer.body)}`)
  }
  return answer.body as T
}

function chat(h: ProxyHarness, secret: string): Promise<Response> {
  return fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
}

async function keyCount(h: ProxyHarness): Promise<number> {
  return (await ok<{ total: number }>(h, 'GET', '/api/keys/paginated')).total
}

/** A copy of `source` under another valid backup name, `minutes` later, changed by `damage`. */
function variant(h: ProxyHarness, source: string, minutes: number, damage: (file: string) => void) {
  const name = backupName(Date.now() + minutes * 60_000, 'manual')
  const file = path.join(backupsDir(h), name)
  fs.copyFileSync(path.join(backupsDir(h), source), file)
  damage(file)
  return name
}

describe('D6 backups: SQLite backup API, verified, ciphertext only', () => {
  it('writes the canary key only as ciphertext (S1), and a restore brings it back decrypted', async () => {
    harness = await startProxyHarness()
    const canary = `sk-canary-${randomBytes(24).toString('hex')}`
    const visible = `visible-label-${randomBytes(8).toString('hex')}`
    await ok(harness, 'POST', '/api/keys/bulk', {
      keys: `${canary},${visible}`,
      providerId: harness.providerId,
    })
    const entry = await ok<BackupEntry>(harness, 'POST', '/api/backups')
    expect(entry).toMatchObject({ reason: 'manual' })
    expect(entry.sizeBytes).toBeGreaterThan(0)
    const files = fs.readdirSync(backupsDir(harness))
    expect(files).toEqual([entry.name])
    const file = path.join(backupsDir(harness), entry.name)
    expect(fs.statSync(file).size).toBe(entry.sizeBytes)
    // A positive control: the label is stored in clear, so the scan does read the data.
    expect(hits(file, visible)).toBeGreaterThan(0)
    expect(hits(file, canary)).toBe(0)

    const [key] = (await ok<{ items: { id: number }[] }>(harness, 'GET', '/api/keys/paginated'))
      .items as [{ id: number }]
    await ok(harness, 'DELETE', `/api/keys/${key.id}`)
    expect(await keyCount(harness)).toBe(0)

    await ok(harness, 'POST', `/api/backups/${entry.name}/restore`)
    expect(harness.server.core.keys.readSecret(key.id)).toBe(canary)
    const { secret } = await harness.subKey()
    expect((await chat(harness, secret)).status).toBe(200)
    expect(harness.mock.countFor(canary)).toBe(1)
    // Neither the safety copy nor anything else in the folder holds the canary.
    for (const name of fs.readdirSync(backupsDir(harness))) {
      expect(hits(path.join(backupsDir(harness), name), canary), name).toBe(0)
    }
  })

  it('restores deleted keys, sub-key and settings; the proxy serves the restored sub-key', async () => {
    harness = await startProxyHarness()
    const h = harness
    const secrets = upstreamKeys(3, 'restore')
    const keyIds = await h.addKeys(secrets)
    const subKey = await h.subKey({ name: 'laptop', maxRequests: 100 })
    expect((await chat(h, subKey.secret)).status).toBe(200)
    const backup = await ok<BackupEntry>(h, 'POST', '/api/backups')

    for (const id of keyIds) await ok(h, 'DELETE', `/api/keys/${id}`)
    await ok(h, 'DELETE', `/api/sub-keys/${subKey.id}`)
    await ok(h, 'PATCH', '/api/settings', { routing: { strategy: 'headroom' } })
    expect((await chat(h, subKey.secret)).status).toBe(401)
    expect(await keyCount(h)).toBe(0)

    const seen = new Set<EventName>()
    const off = h.server.core.events.onAny((name) => seen.add(name))
    const result = await ok<BackupRestoreResult>(h, 'POST', `/api/backups/${backup.name}/restore`)
    off()
    expect(result.restoredFrom).toBe(backup.name)
    expect(result.safetyBackup).toMatch(/-pre-restore\.db$/)
    for (const event of [
      'settings.changed',
      'providers.changed',
      'keys.changed',
      'subKeys.changed',
      'backups.changed',
    ] as const) {
      expect(seen, event).toContain(event)
    }

    expect(await keyCount(h)).toBe(3)
    const subKeys = await ok<{ id: number; name: string; remaining: number }[]>(
      h,
      'GET',
      '/api/sub-keys',
    )
    expect(subKeys).toMatchObject([{ id: subKey.id, name: 'laptop', remaining: 99 }])
    const settings = await ok<{ routing: { strategy: string } }>(h, 'GET', '/api/settings')
    expect(settings.routing.strategy).toBe('round-robin')
    expect(h.server.core.routing.strategy).toBe('round-robin')

    // The statistics are the backup's too: its one request, then one more.
    const total = async () =>
      (await ok<{ requests: { total: number } }>(h, 'GET', '/api/stats')).requests.total
    expect(await total()).toBe(1)
    const before = h.mock.count()
    const answer = await chat(h, subKey.secret)
    expect(answer.status).toBe(200)
    await answer.text()
    expect(await total()).toBe(2)
    expect(h.mock.count()).toBe(before + 1)
    expect(secrets.reduce((sum, secret) => sum + h.mock.countFor(secret), 0)).toBe(before + 1)

    // The safety copy holds the data as it was just before: no keys, no sub-key.
    const safety = new BetterSqlite3(path.join(backupsDir(h), result.safetyBackup), {
      readonly: true,
    })
    const count = (table: string) =>
      (safety.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    expect([count('upstream_keys'), count('sub_keys')]).toEqual([0, 0])
    safety.close()
    const list = await ok<BackupEntry[]>(h, 'GET', '/api/backups')
    expect(list.map((item) => item.reason).sort()).toEqual(['manual', 'pre-restore'])
  })

  it('restores under proxy traffic: the listener stays up and no request fails', async () => {
    harness = await startProxyHarness()
    const h = harness
    await h.addKeys(upstreamKeys(2, 'busy'))
    const { secret } = await h.subKey()
    const backup = await ok<BackupEntry>(h, 'POST', '/api/backups')
    const statuses: number[] = []
    let stop = false
    const client = async () => {
      while (!stop) {
        const answer = await chat(h, secret)
        await answer.text()
        statuses.push(answer.status)
      }
    }
    const clients = Array.from({ length: 4 }, client)
    while (statuses.length < 8) await new Promise((resolve) => setTimeout(resolve, 5))
    await ok(h, 'POST', `/api/backups/${backup.name}/restore`)
    const afterRestore = statuses.length
    while (statuses.length < afterRestore + 8)
      await new Promise((resolve) => setTimeout(resolve, 5))
    stop = true
    await Promise.all(clients)
    expect(statuses.filter((status) => status !== 200)).toEqual([])
  })

  it('refuses damaged, missing, too-new and foreign-key backups with a stable code, changing nothing', async () => {
    harness = await startProxyHarness()
    const h = harness
    await h.addKeys(upstreamKeys(1, 'live'))
    const good = await ok<BackupEntry>(h, 'POST', '/api/backups')
    await h.addKeys(upstreamKeys(1, 'after'))
    const { secret } = await h.subKey()

    const truncated = variant(h, good.name, 1, (file) =>
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)),
    )
    const flipped = variant(h, good.name, 2, (file) => {
      // Overwrite the b-tree pages after the header page with noise.
      const bytes = fs.readFileSync(file)
      for (let at = 4096; at < bytes.length; at += 4096) {
        randomBytes(64).copy(bytes, at)
      }
      fs.writeFileSync(file, bytes)
    })
    const notSqlite = variant(h, good.name, 3, (file) => fs.writeFileSync(file, 'hello'))
    const tooNew = variant(h, good.name, 4, (file) => {
      const db = new BetterSqlite3(file)
      db.pragma(`user_version = ${migrations.length + 1}`)
      db.close()
    })
    const missing = backupName(Date.now() + 5 * 60_000, 'scheduled')

    // A backup of another installation, whose key file this one does not have.
    const otherDir = tempDir()
    const other = KeyPoolCore.open({ dataDir: otherDir, logger: silentLogger })
    cores.push(other)
    other.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
    other.keys.bulkAdd({ keys: upstreamKeys(1, 'other')[0]! })
    const foreignEntry = await other.backups.create()
    const foreign = backupName(Date.now() + 6 * 60_000, 'manual')
    fs.copyFileSync(
      path.join(otherDir, BACKUPS_DIR_NAME, foreignEntry.name),
      path.join(backupsDir(h), foreign),
    )

    const liveBefore = fs.readdirSync(backupsDir(h)).sort()
    for (const [name, status, code] of [
      [truncated, 422, 'backup_invalid'],
      [flipped, 422, 'backup_invalid'],
      [notSqlite, 422, 'backup_invalid'],
      [tooNew, 409, 'backup_too_new'],
      [foreign, 409, 'backup_key_mismatch'],
      [missing, 404, 'not_found'],
    ] as const) {
      const answer = await h.api('POST', `/api/backups/${name}/restore`)
      expect({ name, status: answer.status }).toEqual({ name, status })
      expect((answer.body as { error: { code: string } }).error.code).toBe(code)
    }
    // Nothing changed: no safety copy was needed, no work file is left, the data is live.
    expect(fs.readdirSync(backupsDir(h)).sort()).toEqual(liveBefore)
    expect(await keyCount(h)).toBe(2)
    expect(h.server.core.database.pragma('integrity_check', { simple: true })).toBe('ok')
    expect((await chat(h, secret)).status).toBe(200)
  })

  it('accepts only names it generates: traversal and other names fail the schema', async () => {
    harness = await startProxyHarness()
    const h = harness
    const database = path.join(h.dataDir, DATABASE_FILE_NAME)
    for (const name of [
      '..%2Fkeypool.db',
      '..%2F..%2F..%2Fetc%2Fpasswd',
      `${backupName(Date.now(), 'manual')}%2F..%2F..%2Fkeypool.db`,
      `.staging-1-${backupName(Date.now(), 'manual')}`,
      'keypool.db',
      'keypool-20261121-120000-000-manual.db%00.txt',
      'keypool-20261121-120000-000-manual.DB',
      `${backupName(Date.now(), 'manual')}-journal`,
    ]) {
      for (const [method, suffix] of [
        ['DELETE', ''],
        ['POST', '/restore'],
      ] as const) {
        const answer = await h.api(method, `/api/backups/${name}${suffix}`)
        expect({ name, method, status: answer.status }).toEqual({ name, method, status: 400 })
        expect((answer.body as { error: { code: string } }).error.code).toBe('invalid_input')
      }
    }
    for (const name of ['../keypool.db', '/etc/passwd', 'backups/../../keypool.db']) {
      const envelope = await h.server.core.router.call(
        'backups.delete',
        { name },
        { transport: 'ipc' },
      )
      expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    }
    expect(fs.existsSync(database)).toBe(true)
  })

  it('keeps the newest backupKeep of each kind, in a 0700 folder of 0600 files', async () => {
    harness = await startProxyHarness({ settings: { data: { backupKeep: 2 } } })
    const h = harness
    await h.addKeys(upstreamKeys(2, 'prune'))
    const made: BackupEntry[] = []
    for (let i = 0; i < 4; i++) made.push(await ok<BackupEntry>(h, 'POST', '/api/backups'))
    const kept = await ok<BackupEntry[]>(h, 'GET', '/api/backups')
    expect(kept.map((entry) => entry.name)).toEqual([made[3]!.name, made[2]!.name])
    expect(fs.readdirSync(backupsDir(h)).sort()).toEqual(kept.map((entry) => entry.name).sort())
    if (posix) {
      expect(fs.statSync(backupsDir(h)).mode & 0o777).toBe(0o700)
      for (const entry of kept) {
        expect(fs.statSync(path.join(backupsDir(h), entry.name)).mode & 0o777).toBe(0o600)
      }
    }

    // A restore's safety copy is never the one pruned, and lowering the limit applies at once.
    const restored = await ok<BackupRestoreResult>(
      h,
      'POST',
      `/api/backups/${made[2]!.name}/restore`,
    )
    await ok(h, 'PATCH', '/api/settings', { data: { backupKeep: 1 } })
    const after = await ok<BackupEntry[]>(h, 'GET', '/api/backups')
    expect(after.map((entry) => entry.name)).toEqual(
      expect.arrayContaining([made[3]!.name, restored.safetyBackup]),
    )
    expect(after).toHaveLength(2)
    const deleted = await h.api('DELETE', `/api/backups/${made[3]!.name}`)
    expect(deleted).toMatchObject({ status: 200, body: { deleted: 1 } })
    const again = await h.api('DELETE', `/api/backups/${made[3]!.name}`)
    expect(again.status).toBe(404)
  })

  it('re-seals a backup from another data folder with the same passphrase under this data key', async () => {
    const passphrase = 'a long enough passphrase'
    const keyWrapper = () => new PassphraseWrapper(passphrase, 10)
    const oldDir = tempDir()
    const old = KeyPoolCore.open({
      dataDir: oldDir,
      logger: silentLogger,
      keyWrapper: keyWrapper(),
    })
    cores.push(old)
    old.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
    const secret = upstreamKeys(1, 'moved')[0]!
    old.keys.bulkAdd({ keys: secret })
    const entry = await old.backups.create()

    const dataDir = tempDir()
    const adminToken = 'test-admin-token-0123456789'
    const server = await startHeadless({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      adminToken,
      keyWrapper: keyWrapper(),
    })
    try {
      server.core.keys.bulkAdd({ keys: upstreamKeys(1, 'fresh')[0]! })
      fs.mkdirSync(path.join(dataDir, BACKUPS_DIR_NAME), { recursive: true })
      fs.copyFileSync(
        path.join(oldDir, BACKUPS_DIR_NAME, entry.name),
        path.join(dataDir, BACKUPS_DIR_NAME, entry.name),
      )
      const api = apiCaller(server.url, adminToken)
      const answer = await api('POST', `/api/backups/${entry.name}/restore`)
      expect(answer.status).toBe(200)
      const [key] = server.core.keys.routingKeys()
      expect(server.core.keys.readSecret(key!.id)).toBe(secret)
      // A second key with the same secret is recognised as a duplicate: same fingerprint key.
      expect(server.core.keys.bulkAdd({ keys: secret })).toMatchObject({ added: 0, duplicates: 1 })
    } finally {
      await server.close(200)
    }
    // And the restored folder opens again after a restart.
    const reopened = KeyPoolCore.open({ dataDir, logger: silentLogger, keyWrapper: keyWrapper() })
    cores.push(reopened)
    expect(reopened.keys.readSecret(reopened.keys.routingKeys()[0]!.id)).toBe(secret)
  })
})
