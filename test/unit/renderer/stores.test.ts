import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { call, emit, listeners, mockApiModule } from './mock-api'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())

const { useKeysStore } = await import('../../../src/renderer/src/stores/keys-store')
const { useSubKeysStore } = await import('../../../src/renderer/src/stores/sub-keys-store')
const { useValidationStore } = await import('../../../src/renderer/src/stores/validation-store')
const { usePoolStore, poolHealth } = await import('../../../src/renderer/src/stores/pool-store')

const page = (items: unknown[] = [], total = items.length) => ({
  items,
  total,
  page: 1,
  pageSize: 20,
})

describe('the renderer stores', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    listeners.clear()
    vi.useRealTimers()
  })

  it('keys: asks the server for one filtered, sorted page and goes back to page 1 on a filter', async () => {
    call.mockResolvedValue(page([{ id: 1 }], 1234))
    const keys = useKeysStore()
    await keys.setQuery({ page: 3 })
    expect(call).toHaveBeenLastCalledWith('keys.list', {
      page: 3,
      pageSize: 20,
      sort: 'createdAt',
      order: 'desc',
    })
    await keys.setQuery({ status: 'invalid', q: ' abcd ' })
    expect(keys.query.page).toBe(1)
    expect(call).toHaveBeenLastCalledWith('keys.list', {
      page: 1,
      pageSize: 20,
      sort: 'createdAt',
      order: 'desc',
      status: 'invalid',
      q: 'abcd',
    })
    expect(keys.total).toBe(1234)
  })

  it('keys: reloads once, debounced, after a burst of keys.changed events', async () => {
    vi.useFakeTimers()
    call.mockResolvedValue(page())
    const keys = useKeysStore()
    await keys.load()
    call.mockClear()
    for (let i = 0; i < 20; i++) emit('keys.changed', {})
    await vi.advanceTimersByTimeAsync(600)
    expect(call).toHaveBeenCalledTimes(1)
  })

  it('keys: bulk add passes the provider and returns the server counts', async () => {
    call.mockImplementation(async (name: string) =>
      name === 'keys.bulkAdd' ? { added: 2, duplicates: 1, malformed: 0 } : page(),
    )
    const keys = useKeysStore()
    await expect(keys.bulkAdd('a\nb', 4)).resolves.toEqual({
      added: 2,
      duplicates: 1,
      malformed: 0,
    })
    expect(call).toHaveBeenCalledWith('keys.bulkAdd', { keys: 'a\nb', providerId: 4 })
  })

  it('sub-keys: hands the secret to the caller and keeps no copy', async () => {
    const subKey = { id: 7, name: 'x', prefix: 'sk-kp-', last4: 'abcd' }
    call.mockImplementation(async (name: string) =>
      name === 'subKeys.create' ? { subKey, secret: 'sk-kp-SECRET-abcd' } : [subKey],
    )
    const store = useSubKeysStore()
    const issued = await store.create({ name: 'x' })
    expect(issued.secret).toBe('sk-kp-SECRET-abcd')
    expect(JSON.stringify(store.$state)).not.toContain('SECRET')
  })

  it('sub-keys: collects known models from the active keys', async () => {
    call.mockResolvedValue(
      page([{ models: ['gpt-4o', 'b'] }, { models: ['gpt-4o'] }, { models: null }]),
    )
    const store = useSubKeysStore()
    await store.loadKnownModels()
    expect(store.knownModels).toEqual(['b', 'gpt-4o'])
  })

  it('validation: follows validation.progress events and computes the percentage', async () => {
    call.mockImplementation(async (name: string) =>
      name === 'keys.validate' ? { runId: 'r1', total: 200, joined: false } : null,
    )
    const store = useValidationStore()
    await store.load()
    await store.start('all')
    expect(store.running).toBe(true)
    emit('validation.progress', {
      runId: 'r1',
      total: 200,
      done: 50,
      active: 40,
      invalid: 10,
      exhausted: 0,
      cooling: 0,
      unknown: 0,
      finished: false,
      cancelled: false,
    })
    expect(store.percent).toBe(25)
    emit('validation.progress', { ...store.progress!, done: 200, finished: true })
    expect(store.running).toBe(false)
    expect(store.percent).toBe(100)
  })

  it('pool: reads the counts from stats.summary, follows pool.health, derives the light', async () => {
    const keys = { active: 5, cooling: 1, exhausted: 0, invalid: 2, disabled: 0, total: 8 }
    call.mockResolvedValue({ keys })
    const pool = usePoolStore()
    await pool.load()
    expect(call).toHaveBeenCalledWith('stats.summary')
    expect(pool.counts).toEqual(keys)
    expect(pool.health).toBe('amber')
    emit('pool.health', { keys: { ...keys, cooling: 0, invalid: 0, total: 5 }, usableKeys: 5 })
    expect(pool.health).toBe('green')
    expect(
      poolHealth({ active: 0, cooling: 0, exhausted: 0, invalid: 0, disabled: 0, total: 0 }),
    ).toBe('grey')
    expect(
      poolHealth({ active: 0, cooling: 0, exhausted: 0, invalid: 3, disabled: 0, total: 3 }),
    ).toBe('red')
    expect(
      poolHealth({ active: 3, cooling: 0, exhausted: 0, invalid: 0, disabled: 1, total: 4 }),
    ).toBe('green')
  })
})
