import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { EventBus } from '../../../../src/core/events/event-bus'
import { ProviderService } from '../../../../src/core/services/provider-service'
import { SettingsService } from '../../../../src/core/services/settings-service'
import { closeDatabase, openDatabase } from '../../../../src/core/store/database'
import { ProviderRepository } from '../../../../src/core/store/provider-repository'
import { SettingsRepository } from '../../../../src/core/store/settings-repository'
import { defaultSettings } from '../../../../src/shared/contract'
import { FakeClock } from '../../../support/fake-clock'
import { tempDir } from '../../../support/temp-dir'

describe('SettingsService', () => {
  it('starts from the defaults and persists a partial update across a reopen', () => {
    const file = path.join(tempDir(), 'k.db')
    const clock = new FakeClock()
    let db = openDatabase(file)
    const events = new EventBus()
    const seen: unknown[] = []
    events.on('settings.changed', (s) => seen.push(s))
    const service = new SettingsService(new SettingsRepository(db), events, clock)
    expect(service.get()).toEqual(defaultSettings)
    service.update({ routing: { strategy: 'headroom' }, data: { retentionDays: 7 } })
    expect(seen).toHaveLength(1)
    closeDatabase(db)

    db = openDatabase(file)
    const reopened = new SettingsService(new SettingsRepository(db), new EventBus(), clock)
    expect(reopened.get().routing).toEqual({ ...defaultSettings.routing, strategy: 'headroom' })
    expect(reopened.get().data.retentionDays).toBe(7)
    expect(reopened.get().proxy).toEqual(defaultSettings.proxy)
    closeDatabase(db)
  })

  it('stores columns in snake_case and falls back to defaults for a damaged section', () => {
    const db = openDatabase(path.join(tempDir(), 'k.db'))
    db.prepare('INSERT INTO settings (section, value_json, updated_at) VALUES (?, ?, 0)').run(
      'proxy',
      '{not json',
    )
    db.prepare('INSERT INTO settings (section, value_json, updated_at) VALUES (?, ?, 0)').run(
      'ui',
      JSON.stringify({ theme: 'purple' }),
    )
    const service = new SettingsService(new SettingsRepository(db), new EventBus(), new FakeClock())
    expect(service.get().proxy).toEqual(defaultSettings.proxy)
    expect(service.get().ui).toEqual(defaultSettings.ui)
    closeDatabase(db)
  })

  it('rejects a cooldown base above the maximum without writing', () => {
    const db = openDatabase(path.join(tempDir(), 'k.db'))
    const service = new SettingsService(new SettingsRepository(db), new EventBus(), new FakeClock())
    expect(() => service.update({ routing: { cooldownBaseMs: 900_000 } })).toThrow(/cooldown/)
    expect(db.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 })
    closeDatabase(db)
  })
})

describe('ProviderService', () => {
  it('creates the default OpenAI provider once and maps columns to camelCase', () => {
    const db = openDatabase(path.join(tempDir(), 'k.db'))
    const service = new ProviderService(new ProviderRepository(db), new EventBus(), new FakeClock())
    service.ensureDefault()
    service.ensureDefault()
    expect(service.list()).toEqual([
      { id: 1, name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', enabled: true },
    ])
    closeDatabase(db)
  })

  it('refuses duplicate names and deleting the last provider', () => {
    const db = openDatabase(path.join(tempDir(), 'k.db'))
    const service = new ProviderService(new ProviderRepository(db), new EventBus(), new FakeClock())
    service.ensureDefault()
    expect(() => service.create({ name: 'openai', baseUrl: 'http://x', enabled: true })).toThrow(
      /already exists/,
    )
    expect(() => service.delete(1)).toThrow(/last provider/)
    const groq = service.create({
      name: 'Groq',
      baseUrl: 'https://api.groq.com/openai/v1',
      enabled: true,
    })
    expect(service.delete(groq.id)).toEqual({ deleted: 1 })
    closeDatabase(db)
  })
})
