import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { EventBus } from '../../../../src/core/events/event-bus'
import { closeDatabase, openDatabase } from '../../../../src/core/store/database'
import { SubKeyRepository } from '../../../../src/core/store/sub-key-repository'
import { SubKeyService } from '../../../../src/core/sub-keys/sub-key-service'
import { subKeyCreateSchema } from '../../../../src/shared/contract/sub-keys'
import { FakeClock } from '../../../support/fake-clock'
import { tempDir } from '../../../support/temp-dir'

function setup() {
  const file = path.join(tempDir(), 'k.db')
  const db = openDatabase(file)
  const clock = new FakeClock()
  const repository = new SubKeyRepository(db)
  const service = new SubKeyService(repository, new EventBus(), clock)
  const create = (input: Record<string, unknown>) =>
    service.create(subKeyCreateSchema.parse({ name: 'ide', ...input }))
  return { db, file, clock, repository, service, create }
}

describe('SubKeyService', () => {
  it('shows the secret once and stores only its hash, prefix and last 4 (S2)', () => {
    const { db, file, service, create } = setup()
    const { subKey, secret } = create({ maxRequests: 5 })
    expect(secret).toMatch(/^sk-kp-[0-9A-Za-z]{43}$/)
    expect(subKey).toMatchObject({ status: 'active', remaining: 5, maxRequests: 5 })
    expect(subKey.prefix).toBe(secret.slice(0, 10))
    expect(subKey.last4).toBe(secret.slice(-4))
    expect(JSON.stringify(service.list())).not.toContain(secret)
    closeDatabase(db)
    for (const suffix of ['', '-wal', '-shm']) {
      if (!fs.existsSync(file + suffix)) continue
      expect(fs.readFileSync(file + suffix).includes(secret)).toBe(false)
    }
  })

  it('authenticates from memory, and a regenerated secret replaces the old one at once', () => {
    const { service, create } = setup()
    const { subKey, secret } = create({})
    expect(service.directory.authenticate(secret)?.record.id).toBe(subKey.id)
    expect(service.directory.authenticate(`${secret}x`)).toBeUndefined()
    const renewed = service.regenerate(subKey.id)
    expect(service.directory.authenticate(secret)).toBeUndefined()
    expect(service.directory.authenticate(renewed.secret)?.record.id).toBe(subKey.id)
    service.delete(subKey.id)
    expect(service.directory.authenticate(renewed.secret)).toBeUndefined()
  })

  it('reserves atomically, never below zero, and refunds up to the limit (D4)', () => {
    const { service, repository, create } = setup()
    const { subKey } = create({ maxRequests: 3 })
    const taken = Array.from({ length: 10 }, () => repository.reserve(subKey.id))
    expect(taken).toEqual([
      2,
      1,
      0,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    expect(service.get(subKey.id)).toMatchObject({ remaining: 0, status: 'exhausted' })
    expect(repository.refund(subKey.id)).toBe(1)
    for (let i = 0; i < 5; i++) repository.refund(subKey.id)
    expect(service.get(subKey.id).remaining).toBe(3)
    const unlimited = create({}).subKey
    expect(repository.reserve(unlimited.id)).toBeUndefined()
  })

  it('tops up, extends, and reports expired and disabled', () => {
    const { service, clock, create } = setup()
    const expiresAt = new Date(clock.now() + 60_000).toISOString()
    const { subKey } = create({ maxRequests: 2, expiresAt })
    expect(service.topUp(subKey.id, 3)).toMatchObject({ remaining: 5, maxRequests: 5 })
    clock.advance(120_000)
    expect(service.get(subKey.id).status).toBe('expired')
    const extended = service.extend(subKey.id, 3600)
    expect(extended.status).toBe('active')
    expect(Date.parse(extended.expiresAt!)).toBe(clock.now() + 3_600_000)
    expect(service.update({ id: subKey.id, enabled: false }).status).toBe('disabled')
  })

  it('keeps the remaining count on edits unless the limit itself changes', () => {
    const { service, repository, create } = setup()
    const { subKey } = create({ maxRequests: 10 })
    repository.reserve(subKey.id)
    expect(service.update({ id: subKey.id, name: 'renamed' }).remaining).toBe(9)
    expect(service.update({ id: subKey.id, maxRequests: 10 }).remaining).toBe(9)
    expect(service.update({ id: subKey.id, maxRequests: 20 }).remaining).toBe(20)
    expect(service.update({ id: subKey.id, maxRequests: null }).remaining).toBeNull()
  })

  it('compiles the model policy into the directory', () => {
    const { service, create } = setup()
    const { secret } = create({ allowModels: ['gpt-4o*'], denyModels: ['gpt-4o-audio*'] })
    const entry = service.directory.authenticate(secret)!
    expect(entry.models.allows('GPT-4o-mini')).toBe(true)
    expect(entry.models.allows('gpt-4o-audio-preview')).toBe(false)
    expect(entry.models.allows('o3')).toBe(false)
  })
})
