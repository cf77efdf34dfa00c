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

const { useLogsStore } = await import('../../../src/renderer/src/stores/logs-store')
const { useProvidersStore } = await import('../../../src/renderer/src/stores/providers-store')
const { useStatsStore } = await import('../../../src/renderer/src/stores/stats-store')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')

describe('the renderer stores, continued', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    listeners.clear()
    vi.useRealTimers()
  })

  it('keys: a slow answer to an older query never replaces a newer page', async () => {
    const answers: ((value: unknown) => void)[] = []
    call.mockImplementation(() => new Promise((resolve) => answers.push(resolve)))
    const keys = useKeysStore()
    const first = keys.setQuery({ status: 'invalid' })
    const second = keys.setQuery({ status: 'active' })
    answers[1]!(page([{ id: 2, state: 'active' }], 1))
    await second
    answers[0]!(page([{ id: 1, state: 'invalid' }], 1))
    await first
    expect(keys.items).toEqual([{ id: 2, state: 'active' }])
    expect(keys.loading).toBe(false)
  })

  it('keys: a page past the end (after deletes) moves to the last page', async () => {
    call.mockImplementation(async (_name: string, input: { page: number }) =>
      input.page === 7 ? page([], 45) : { ...page([{ id: 41 }], 45), page: input.page },
    )
    const keys = useKeysStore()
    await keys.setQuery({ page: 7 })
    expect(keys.query.page).toBe(3)
    expect(call).toHaveBeenLastCalledWith('keys.list', expect.objectContaining({ page: 3 }))
    expect(keys.items).toEqual([{ id: 41 }])
  })

  it('keys: the selection keeps only visible rows; deleting drops the deleted ids', async () => {
    call.mockImplementation(async (name: string) =>
      name === 'keys.deleteMany' ? { deleted: 1 } : page([{ id: 1 }, { id: 2 }]),
    )
    const keys = useKeysStore()
    keys.selected = [1, 2, 99]
    await keys.load()
    expect(keys.selected).toEqual([1, 2])
    await keys.remove([2])
    expect(call).toHaveBeenCalledWith('keys.deleteMany', { ids: [2] })
    expect(keys.selected).toEqual([1])
  })

  it('keys: the export uses the current filters; a failed load keeps the stable code', async () => {
    call.mockResolvedValue(page())
    const keys = useKeysStore()
    await keys.setQuery({ status: 'cooling', q: 'team' })
    call.mockResolvedValue({ format: 'csv', filename: 'k.csv', count: 0, content: '' })
    await keys.exportKeys('csv')
    expect(call).toHaveBeenLastCalledWith('keys.export', {
      format: 'csv',
      status: 'cooling',
      q: 'team',
    })
    call.mockRejectedValue(new ApiRequestError({ code: 'unavailable', message: 'down' }))
    await keys.load()
    expect(keys.error).toEqual({ code: 'unavailable', message: 'down' })
  })

  it('stats: the summary follows stats.changed; the range reloads the three series', async () => {
    const summary = (total: number) => ({ requests: { total } })
    call.mockImplementation(async (name: string, input: { groupBy: string; range: string }) =>
      name === 'stats.summary'
        ? summary(1)
        : {
            range: input.range,
            groupBy: input.groupBy,
            bucketSeconds: 3600,
            times: [],
            groups: [],
            totals: { requests: [], errors: [], tokens: [] },
            latency: { p50: [], p95: [] },
          },
    )
    const stats = useStatsStore()
    await stats.load()
    expect(stats.summary).toEqual(summary(1))
    emit('stats.changed', summary(5))
    expect(stats.summary).toEqual(summary(5))
    call.mockClear()
    await stats.setRange('30d')
    expect(call.mock.calls).toEqual([
      ['stats.series', { range: '30d', groupBy: 'outcome' }],
      ['stats.series', { range: '30d', groupBy: 'model' }],
      ['stats.series', { range: '30d', groupBy: 'subKey' }],
    ])
  })

  it('logs: sends the filters, trimmed, and keeps the error code of a failed load', async () => {
    call.mockResolvedValue({ items: [{ id: 1 }], total: 1, page: 2, pageSize: 50 })
    const logs = useLogsStore()
    logs.query.page = 2
    logs.query.outcome = 'rate_limited'
    logs.query.model = '  gpt-4o '
    await logs.load()
    expect(call).toHaveBeenCalledWith('logs.list', {
      page: 2,
      pageSize: 50,
      outcome: 'rate_limited',
      model: 'gpt-4o',
    })
    expect(logs.items).toEqual([{ id: 1 }])
    call.mockRejectedValue(new ApiRequestError({ code: 'forbidden', message: 'no' }))
    await logs.load()
    expect(logs.error?.code).toBe('forbidden')
    expect(logs.loading).toBe(false)
  })

  it('providers: follows providers.changed and indexes by id', async () => {
    const openai = { id: 1, name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', enabled: true }
    const groq = { id: 2, name: 'Groq', baseUrl: 'https://api.groq.com/openai/v1', enabled: true }
    call.mockResolvedValue([openai])
    const providers = useProvidersStore()
    await providers.load()
    expect(providers.byId.get(1)?.name).toBe('OpenAI')
    emit('providers.changed', [openai, groq])
    expect(providers.byId.get(2)?.name).toBe('Groq')
    call.mockImplementation(async (name: string) => (name === 'providers.create' ? groq : []))
    await providers.create({ name: 'Groq', baseUrl: groq.baseUrl, enabled: true })
    expect(call).toHaveBeenCalledWith('providers.create', {
      name: 'Groq',
      baseUrl: groq.baseUrl,
      enabled: true,
    })
    expect(call).toHaveBeenLastCalledWith('providers.list')
  })

  it('sub-keys: top up and extend send their amounts; a burst of changes reloads once', async () => {
    vi.useFakeTimers()
    call.mockResolvedValue([])
    const store = useSubKeysStore()
    await store.load()
    await store.topUp(3, 500)
    expect(call).toHaveBeenCalledWith('subKeys.topUp', { id: 3, requests: 500 })
    await store.extend(3, 86_400)
    expect(call).toHaveBeenCalledWith('subKeys.extend', { id: 3, seconds: 86_400 })
    call.mockClear()
    for (let i = 0; i < 10; i++) emit('subKeys.changed', {})
    await vi.advanceTimersByTimeAsync(400)
    expect(call.mock.calls).toEqual([['subKeys.list']])
  })

  it('validation: joining a running run keeps its progress; an empty run is finished at once', async () => {
    const running = {
      runId: 'r7',
      total: 10,
      done: 4,
      active: 4,
      invalid: 0,
      exhausted: 0,
      cooling: 0,
      unknown: 0,
      finished: false,
      cancelled: false,
    }
    call.mockImplementation(async (name: string) => {
      if (name === 'keys.validationStatus') return running
      if (name === 'keys.validate') return { runId: 'r7', total: 10, joined: true }
      return null
    })
    const store = useValidationStore()
    await store.load()
    await store.start([1, 2])
    expect(store.progress).toEqual(running)
    expect(store.percent).toBe(40)
    store.dismiss()
    expect(store.progress).toEqual(running)

    call.mockImplementation(async (name: string) =>
      name === 'keys.validate' ? { runId: 'r8', total: 0, joined: false } : null,
    )
    await store.start('invalid', 4)
    expect(call).toHaveBeenLastCalledWith('keys.validate', { scope: 'invalid', providerId: 4 })
    expect(store.running).toBe(false)
    expect(store.percent).toBe(100)
    store.dismiss()
    expect(store.progress).toBeNull()
  })
})
