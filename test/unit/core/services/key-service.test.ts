import { afterEach, describe, expect, it } from 'vitest'
import { KeyPoolCore } from '../../../../src/core/keypool-core'
import { silentLogger } from '../../../../src/core/logger'
import { KeyDecryptError } from '../../../../src/core/secrets/key-cipher'
import type { EventName } from '../../../../src/shared/contract'
import { FakeClock } from '../../../support/fake-clock'
import { tempDir } from '../../../support/temp-dir'

const key = (n: number, tag = 'svc'): string => `sk-${tag}-${String(n).padStart(28, '0')}`
const lines = (from: number, to: number, tag?: string): string =>
  Array.from({ length: to - from + 1 }, (_, i) => key(from + i, tag)).join('\n')

let core: KeyPoolCore | undefined
afterEach(async () => {
  await core?.close(0)
  core = undefined
})

/** No validation on add or on a schedule: these tests never reach an upstream. */
const offline = (target: KeyPoolCore): KeyPoolCore => {
  target.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
  return target
}

function openCore(clock = new FakeClock()): { core: KeyPoolCore; clock: FakeClock } {
  core = offline(KeyPoolCore.open({ dataDir: tempDir(), logger: silentLogger, clock }))
  return { core, clock }
}

function recordEvents(target: KeyPoolCore): { name: EventName; payload: unknown }[] {
  const seen: { name: EventName; payload: unknown }[] = []
  target.events.onAny((name, payload) => seen.push({ name, payload }))
  return seen
}

describe('KeyService: adding keys', () => {
  it('counts added, duplicates (in the batch and in the store) and malformed lines', () => {
    const { core } = openCore()
    const text = `# batch\n${key(1)},first\n${key(2)}\n\n${key(1)},again\nnot a key\nshort`
    expect(core.keys.bulkAdd({ keys: text })).toEqual({ added: 2, duplicates: 1, malformed: 2 })
    expect(core.keys.bulkAdd({ keys: `${key(2)}\n${key(3)}` })).toEqual({
      added: 1,
      duplicates: 1,
      malformed: 0,
    })
    const page = core.keys.list({ page: 1, pageSize: 20, sort: 'createdAt', order: 'asc' })
    expect(page.total).toBe(3)
    expect(page.items.map((item) => [item.label, item.masked, item.last4])).toEqual([
      ['first', `sk-…${key(1).slice(-4)}`, key(1).slice(-4)],
      ['', `sk-…${key(2).slice(-4)}`, key(2).slice(-4)],
      ['', `sk-…${key(3).slice(-4)}`, key(3).slice(-4)],
    ])
  })

  it('keeps keys unique per provider, not across providers', () => {
    const { core } = openCore()
    const other = core.providers.create({
      name: 'Groq',
      baseUrl: 'https://g.example/v1',
      enabled: true,
    })
    expect(core.keys.bulkAdd({ keys: key(1) }).added).toBe(1)
    expect(core.keys.bulkAdd({ keys: key(1), providerId: other.id }).added).toBe(1)
    expect(core.keys.bulkAdd({ keys: key(1), providerId: other.id }).duplicates).toBe(1)
    expect(() => core.keys.bulkAdd({ keys: key(2), providerId: 999 })).toThrow(/does not exist/)
  })

  it('imports csv and json with labels and weights', () => {
    const { core } = openCore()
    const csv = `key,label,weight\n${key(1)},"a, b",5\n${key(2)},,\nbad,x,1`
    expect(core.keys.import({ format: 'csv', content: csv })).toEqual({
      added: 2,
      duplicates: 0,
      malformed: 1,
    })
    const json = JSON.stringify([key(2), { key: key(3), label: 'j', weight: 9 }, 'x'])
    expect(core.keys.import({ format: 'json', content: json })).toEqual({
      added: 1,
      duplicates: 1,
      malformed: 1,
    })
    const items = core.keys.list({ page: 1, pageSize: 50, sort: 'label', order: 'asc' }).items
    expect(items.map((item) => [item.label, item.weight])).toEqual([
      ['', 1],
      ['a, b', 5],
      ['j', 9],
    ])
  })

  it('announces new keys with keys.changed', () => {
    const { core } = openCore()
    const events = recordEvents(core)
    core.keys.bulkAdd({ keys: lines(1, 3) })
    expect(events).toEqual([{ name: 'keys.changed', payload: { ids: [1, 2, 3] } }])
    core.keys.bulkAdd({ keys: lines(1, 3) })
    expect(events).toHaveLength(1)
  })
})

describe('KeyService: listing', () => {
  it('pages, filters by state and provider, searches label and last 4, and sorts', () => {
    const { core, clock } = openCore()
    const other = core.providers.create({
      name: 'Other',
      baseUrl: 'https://o.example/v1',
      enabled: true,
    })
    core.keys.bulkAdd({ keys: `${key(1)},Alpha prod\n${key(2)},beta\n${key(3)},gamma PROD` })
    clock.advance(1000)
    core.keys.bulkAdd({ keys: `${key(4)},delta\n${key(5)},epsilon`, providerId: other.id })
    core.keys.setStatus(2, 'disabled')
    core.keys.recordUsage([
      {
        id: 4,
        requests: 9,
        successes: 8,
        failures: 1,
        tokens: 90,
        consecutiveFailures: 1,
        lastUsedAt: clock.now(),
      },
      {
        id: 1,
        requests: 3,
        successes: 3,
        failures: 0,
        tokens: 30,
        consecutiveFailures: 0,
        lastUsedAt: clock.now() - 10,
      },
    ])
    const list = (input: Partial<Parameters<typeof core.keys.list>[0]>) =>
      core!.keys.list({ page: 1, pageSize: 20, sort: 'createdAt', order: 'desc', ...input })
    const ids = (input: Partial<Parameters<typeof core.keys.list>[0]>) =>
      list(input).items.map((item) => item.id)

    expect(ids({})).toEqual([5, 4, 3, 2, 1])
    expect(list({ pageSize: 2, page: 2 })).toMatchObject({ total: 5, page: 2, pageSize: 2 })
    expect(ids({ pageSize: 2, page: 2 })).toEqual([3, 2])
    expect(ids({ pageSize: 2, page: 9 })).toEqual([])
    expect(ids({ status: 'disabled' })).toEqual([2])
    expect(list({ status: 'active' }).total).toBe(4)
    expect(ids({ providerId: other.id })).toEqual([5, 4])
    expect(ids({ q: 'prod' })).toEqual([3, 1])
    expect(ids({ q: key(4).slice(-4) })).toEqual([4])
    expect(ids({ q: `sk-…${key(5).slice(-4)}` })).toEqual([5])
    expect(ids({ q: `sk-...${key(5).slice(-4)}` })).toEqual([5])
    expect(ids({ q: '100%' })).toEqual([])
    expect(ids({ q: 'prod', providerId: other.id })).toEqual([])
    expect(ids({ sort: 'requests' })).toEqual([4, 1, 5, 3, 2])
    expect(ids({ sort: 'lastUsedAt' })).toEqual([4, 1, 5, 3, 2])
    expect(ids({ sort: 'failures', order: 'desc' })[0]).toBe(4)
    expect(ids({ sort: 'label', order: 'asc' })).toEqual([1, 2, 4, 5, 3])
    expect(ids({ sort: 'state', order: 'asc' })).toEqual([1, 3, 4, 5, 2])
    expect(ids({ sort: 'createdAt', order: 'asc' })).toEqual([1, 2, 3, 4, 5])

    const four = list({ q: key(4).slice(-4) }).items[0]!
    expect(four).toMatchObject({
      providerId: other.id,
      requests: 9,
      successes: 8,
      failures: 1,
      tokens: 90,
      lastUsedAt: new Date(clock.now()).toISOString(),
      createdAt: new Date(clock.now()).toISOString(),
      cooldownUntil: null,
      stateReason: null,
      models: null,
    })
    expect(list({ q: key(3).slice(-4) }).items[0]!.lastUsedAt).toBeNull()
  })

  it('exports the masked list as JSON and CSV, never a secret', () => {
    const { core } = openCore()
    core.keys.bulkAdd({ keys: `${key(1)},=cmd()\n${key(2)},two` })
    const json = core.keys.export({ format: 'json' })
    expect(json).toMatchObject({ format: 'json', count: 2 })
    expect(json.filename).toMatch(/^keypool-keys-\d{4}-\d{2}-\d{2}\.json$/)
    expect(JSON.parse(json.content)).toHaveLength(2)
    const csv = core.keys.export({ format: 'csv', q: 'two' })
    expect(csv.count).toBe(1)
    expect(csv.content.split('\r\n')[0]).toBe(
      'id,providerId,label,masked,state,stateReason,weight,requests,successes,failures,tokens,lastUsedAt,createdAt',
    )
    for (const content of [
      json.content,
      csv.content,
      core.keys.export({ format: 'csv' }).content,
    ]) {
      expect(content).not.toContain(key(1))
      expect(content).not.toContain(key(2))
    }
    expect(core.keys.export({ format: 'csv' }).content).toContain(",'=cmd(),")
  })
})

describe('KeyService: editing, status and deleting', () => {
  it('updates label, weight and provider; a duplicate in the target provider conflicts', () => {
    const { core } = openCore()
    const other = core.providers.create({
      name: 'Other',
      baseUrl: 'https://o.example/v1',
      enabled: true,
    })
    core.keys.bulkAdd({ keys: `${key(1)}\n${key(2)}` })
    core.keys.bulkAdd({ keys: key(2), providerId: other.id })
    expect(core.keys.update({ id: 1, label: 'renamed', weight: 40 })).toMatchObject({
      id: 1,
      label: 'renamed',
      weight: 40,
      providerId: 1,
    })
    expect(core.keys.update({ id: 1, providerId: other.id })).toMatchObject({
      label: 'renamed',
      providerId: other.id,
    })
    expect(() => core.keys.update({ id: 2, providerId: other.id })).toThrow(/already has this key/)
    expect(() => core.keys.update({ id: 2, providerId: 77 })).toThrow(/does not exist/)
    expect(() => core.keys.update({ id: 99, label: 'x' })).toThrow(/does not exist/)
  })

  it('disables and enables through the state machine, recording each transition once', () => {
    const { core, clock } = openCore()
    core.keys.bulkAdd({ keys: key(1) })
    const events = recordEvents(core)
    expect(core.keys.setStatus(1, 'disabled')).toMatchObject({
      state: 'disabled',
      stateReason: 'disabled by the user',
    })
    expect(core.keys.setStatus(1, 'disabled').state).toBe('disabled')
    expect(core.keys.transitions(1, 50)).toHaveLength(1)
    expect(events.map((event) => event.name)).toEqual(['key.stateChanged', 'keys.changed'])

    core.keys.transition(1, 'cooling', {
      reason: 'rate limited',
      httpStatus: 429,
      expectedFrom: 'disabled',
      cooldownUntil: clock.now() + 60_000,
    })
    expect(core.keys.get(1)).toMatchObject({
      state: 'cooling',
      cooldownUntil: new Date(clock.now() + 60_000).toISOString(),
    })
    expect(core.keys.setStatus(1, 'active')).toMatchObject({ state: 'active', cooldownUntil: null })
    const history = core.keys.transitions(1, 50)
    expect(history.map((entry) => [entry.from, entry.to])).toEqual([
      ['cooling', 'active'],
      ['disabled', 'cooling'],
      ['active', 'disabled'],
    ])
    expect(history[1]).toMatchObject({ httpStatus: 429, reason: 'rate limited' })
    expect(() => core.keys.setStatus(42, 'active')).toThrow(/does not exist/)
  })

  it('sets the status of many keys and skips ids that do not exist', () => {
    const { core } = openCore()
    core.keys.bulkAdd({ keys: lines(1, 4) })
    expect(core.keys.setStatusMany([1, 2, 3, 99], 'disabled')).toEqual({ changed: 3 })
    expect(core.keys.setStatusMany([1, 2, 3], 'disabled')).toEqual({ changed: 0 })
    expect(core.keys.setStatusMany([2, 4], 'active')).toEqual({ changed: 1 })
    const states = core.keys
      .list({ page: 1, pageSize: 10, sort: 'createdAt', order: 'asc' })
      .items.map((item) => item.state)
    expect(states).toEqual(['disabled', 'active', 'disabled', 'active'])
  })

  it('resets invalid and exhausted keys to active, leaving disabled and cooling ones', () => {
    const { core, clock } = openCore()
    const other = core.providers.create({
      name: 'Other',
      baseUrl: 'https://o.example/v1',
      enabled: true,
    })
    core.keys.bulkAdd({ keys: lines(1, 5) })
    core.keys.bulkAdd({ keys: key(6), providerId: other.id })
    const failure = { reason: 'HTTP 401', httpStatus: 401, message: `bad key ${key(1)}` }
    core.keys.transition(1, 'invalid', failure)
    core.keys.transition(2, 'exhausted', { reason: '429 insufficient_quota', httpStatus: 429 })
    core.keys.transition(3, 'cooling', { reason: 'rate', cooldownUntil: clock.now() + 5000 })
    core.keys.setStatus(4, 'disabled')
    core.keys.transition(6, 'invalid', failure)
    expect(core.keys.transitions(1, 5)[0]!.message).toBe('bad key [redacted]')

    expect(core.keys.resetInvalid({ providerId: other.id })).toEqual({ count: 1 })
    expect(core.keys.resetInvalid({})).toEqual({ count: 2 })
    expect(core.keys.resetInvalid({})).toEqual({ count: 0 })
    const states = core.keys
      .list({ page: 1, pageSize: 10, sort: 'createdAt', order: 'asc' })
      .items.map((item) => item.state)
    expect(states).toEqual(['active', 'active', 'cooling', 'disabled', 'active', 'active'])
    expect(core.keys.transitions(1, 5)[0]).toMatchObject({
      from: 'invalid',
      to: 'active',
      reason: 'reset by the user',
    })
  })

  it('deletes one key (404 when gone) and many (with their history)', () => {
    const { core } = openCore()
    core.keys.bulkAdd({ keys: lines(1, 5) })
    core.keys.setStatus(2, 'disabled')
    expect(core.keys.delete(1)).toEqual({ deleted: 1 })
    expect(() => core.keys.delete(1)).toThrow(/does not exist/)
    expect(core.keys.deleteMany([2, 3, 99])).toEqual({ deleted: 2 })
    expect(core.keys.list({ page: 1, pageSize: 10, sort: 'createdAt', order: 'asc' }).total).toBe(2)
    const history = core.database.prepare('SELECT count(*) AS n FROM key_state_transitions')
    expect((history.get() as { n: number }).n).toBe(0)
  })

  it('deletes a provider together with its keys', () => {
    const { core } = openCore()
    const other = core.providers.create({
      name: 'Other',
      baseUrl: 'https://o.example/v1',
      enabled: true,
    })
    core.keys.bulkAdd({ keys: lines(1, 3), providerId: other.id })
    core.keys.bulkAdd({ keys: key(9) })
    const events = recordEvents(core)
    core.providers.delete(other.id)
    expect(core.keys.list({ page: 1, pageSize: 10, sort: 'createdAt', order: 'asc' }).total).toBe(1)
    expect(events.map((event) => event.name)).toContain('keys.changed')
  })
})

describe('KeyService: for the pool and the proxy', () => {
  it('loads routing data without secrets and decrypts one secret by id', () => {
    const { core, clock } = openCore()
    core.keys.bulkAdd({ keys: `${key(1)}\n${key(2)}` })
    core.keys.update({ id: 2, weight: 5 })
    core.keys.setModels(2, ['gpt-4o', 'gpt-4o-mini'])
    core.keys.transition(1, 'cooling', { reason: 'rate', cooldownUntil: clock.now() + 1000 })
    const routing = core.keys.routingKeys()
    expect(routing).toHaveLength(2)
    expect(routing.find((k) => k.id === 1)).toMatchObject({
      providerId: 1,
      state: 'cooling',
      cooldownUntil: clock.now() + 1000,
      models: null,
      lastUsedAt: 0,
    })
    const two = core.keys.routingKeys([2])[0]!
    expect(two.weight).toBe(5)
    expect([...two.models!]).toEqual(['gpt-4o', 'gpt-4o-mini'])
    expect(
      JSON.stringify(routing, (_k, v: unknown) => (v instanceof Set ? [...v] : v)),
    ).not.toContain(key(1))
    expect(core.keys.readSecret(1)).toBe(key(1))
    expect(core.keys.readSecret(2)).toBe(key(2))
    expect(core.keys.readSecret(3)).toBeUndefined()
    expect(core.keys.get(2).models).toEqual(['gpt-4o', 'gpt-4o-mini'])
  })

  it('refuses to decrypt a tampered row', () => {
    const { core } = openCore()
    core.keys.bulkAdd({ keys: `${key(1)}\n${key(2)}` })
    const row = core.database.prepare('SELECT sealed FROM upstream_keys WHERE id = 1').get() as {
      sealed: Buffer
    }
    row.sealed[row.sealed.length - 1]! ^= 0xff
    core.database.prepare('UPDATE upstream_keys SET sealed = ? WHERE id = 1').run(row.sealed)
    expect(() => core.keys.readSecret(1)).toThrow(KeyDecryptError)
    const swapped = core.database
      .prepare('SELECT sealed FROM upstream_keys WHERE id = 2')
      .get() as {
      sealed: Buffer
    }
    core.database.prepare('UPDATE upstream_keys SET sealed = ? WHERE id = 1').run(swapped.sealed)
    expect(() => core.keys.readSecret(1)).toThrow(KeyDecryptError)
    expect(core.keys.readSecret(2)).toBe(key(2))
  })

  it('keeps the keys readable across a restart with the same key file', async () => {
    const dataDir = tempDir()
    let opened = offline(KeyPoolCore.open({ dataDir, logger: silentLogger }))
    opened.keys.bulkAdd({ keys: key(1) })
    await opened.close(0)
    opened = offline(KeyPoolCore.open({ dataDir, logger: silentLogger }))
    expect(opened.keys.readSecret(1)).toBe(key(1))
    expect(opened.keys.bulkAdd({ keys: key(1) }).duplicates).toBe(1)
    await opened.close(0)
  })
})
