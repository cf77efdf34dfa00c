import './fake-resize-observer'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { h } from 'vue'
import type { UpstreamKey, ValidationProgress } from '../../../src/shared/contract'
import { call, emit, listeners, mockApiModule } from './mock-api'
import {
  button,
  buttons,
  byTestId,
  chooseMenuEntry,
  eventually,
  flush,
  memoryRouter,
  mountUi,
  pickOption,
  sleep,
  toasts,
  typeInto,
  unmountAll,
} from './mount-ui'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())
// Mounting naive-ui's data table in happy-dom takes a while on a busy machine.
vi.setConfig({ testTimeout: 30_000 })

const { default: KeysPage } = await import('../../../src/renderer/src/views/keys/index.vue')
const { default: KeyStateCell } =
  await import('../../../src/renderer/src/views/keys/modules/KeyStateCell.vue')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')
const { useProvidersStore } = await import('../../../src/renderer/src/stores/providers-store')

const TOTAL = 1234

function upstreamKey(id: number, patch: Partial<UpstreamKey> = {}): UpstreamKey {
  return {
    id,
    providerId: 1,
    label: `key ${id}`,
    masked: `sk-…${String(id).padStart(4, '0')}`,
    last4: String(id).padStart(4, '0'),
    state: 'active',
    stateReason: null,
    cooldownUntil: null,
    weight: 1,
    requests: id * 10,
    successes: id * 10,
    failures: 0,
    consecutiveFailures: 0,
    tokens: 0,
    lastUsedAt: null,
    lastError: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    models: ['gpt-4o'],
    ...patch,
  }
}

/** A fake server: pages of `TOTAL` keys, and the operations the page calls. */
function serve(overrides: Record<string, (input: never) => unknown> = {}) {
  call.mockImplementation(async (name: string, input: Record<string, unknown> = {}) => {
    if (overrides[name]) return overrides[name](input as never)
    switch (name) {
      case 'keys.list': {
        const page = Number(input.page ?? 1)
        const pageSize = Number(input.pageSize ?? 20)
        const count = Math.max(0, Math.min(pageSize, TOTAL - (page - 1) * pageSize))
        const items = Array.from({ length: count }, (_, i) =>
          upstreamKey((page - 1) * pageSize + i + 1),
        )
        return { items, total: TOTAL, page, pageSize }
      }
      case 'keys.validationStatus':
        return null
      case 'keys.validate':
        return { runId: 'run-1', total: Array.isArray(input.scope) ? input.scope.length : 99 }
      case 'keys.setStatusMany':
        return { changed: (input.ids as number[]).length }
      case 'keys.deleteMany':
        return { deleted: (input.ids as number[]).length }
      case 'keys.validateCancel':
        return { cancelled: true }
      default:
        return null
    }
  })
}

const listCalls = () =>
  call.mock.calls.filter(([name]) => name === 'keys.list').map(([, input]) => input)
const lastList = () => listCalls().at(-1)

const table = () => byTestId('keys-table')!
const rows = () => [...table().querySelectorAll<HTMLElement>('.n-data-table-tbody tr')]
const rowOf = (masked: string) => rows().find((row) => row.textContent?.includes(masked))!

const chooseAction = (id: number, label: string) =>
  chooseMenuEntry(byTestId(`key-more-${id}`)!, label)

const menuEntries = () =>
  [...document.querySelectorAll<HTMLElement>('.n-dropdown-option')].map((option) =>
    option.textContent!.trim(),
  )

const router = memoryRouter(['logs'])

async function mountPage() {
  const wrapper = mountUi(() => h(KeysPage), [router])
  await eventually(() => expect(rows()).toHaveLength(20))
  return wrapper
}

describe('the keys page', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    listeners.clear()
    unmountAll()
    serve()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('shows one server page and the server total, never the whole pool', async () => {
    await mountPage()
    expect(lastList()).toEqual({ page: 1, pageSize: 20, sort: 'createdAt', order: 'desc' })
    expect(table().textContent).toContain('Total: 1,234')
    expect(rows()[0]!.textContent).toContain('sk-…0001')
    expect(rows()[19]!.textContent).toContain('sk-…0020')
  })

  it('paging asks the server for that page; the page size goes back to page 1', async () => {
    await mountPage()
    const pageButton = [...document.querySelectorAll<HTMLElement>('.n-pagination-item')].find(
      (item) => item.textContent?.trim() === '3',
    )!
    pageButton.click()
    await eventually(() => expect(rows()[0]!.textContent).toContain('sk-…0041'))
    expect(lastList()).toMatchObject({ page: 3, pageSize: 20 })

    await pickOption(document.querySelector('.n-pagination .n-select')!, '50 / page')
    await eventually(() => expect(rows()).toHaveLength(50))
    expect(lastList()).toMatchObject({ page: 1, pageSize: 50 })
  })

  it('a state filter and a search are sent to the server, back on page 1', async () => {
    await mountPage()
    ;[...document.querySelectorAll<HTMLElement>('.n-pagination-item')]
      .find((item) => item.textContent?.trim() === '2')!
      .click()
    await eventually(() => expect(lastList()).toMatchObject({ page: 2 }))

    await pickOption(byTestId('keys-filter-state')!, 'Invalid')
    expect(lastList()).toEqual({
      page: 1,
      pageSize: 20,
      sort: 'createdAt',
      order: 'desc',
      status: 'invalid',
    })

    const before = listCalls().length
    const search = byTestId('keys-search')!.querySelector('input')!
    await typeInto(search, 'a')
    await typeInto(search, 'ab')
    await typeInto(search, ' abcd ')
    // Debounced: one request for the burst of keystrokes, with the trimmed text.
    await eventually(() => expect(lastList()).toMatchObject({ q: 'abcd', status: 'invalid' }))
    await sleep(400)
    expect(listCalls().length).toBe(before + 1)
  })

  it('clicking a sortable header sorts on the server and cycles back to the default', async () => {
    await mountPage()
    const header = () =>
      [...document.querySelectorAll<HTMLElement>('.n-data-table-th')].find((th) =>
        th.textContent?.includes('Requests'),
      )!
    header().click()
    await flush()
    expect(lastList()).toMatchObject({ sort: 'requests', order: 'desc', page: 1 })
    header().click()
    await flush()
    expect(lastList()).toMatchObject({ sort: 'requests', order: 'asc' })
    header().click()
    await flush()
    expect(lastList()).toMatchObject({ sort: 'createdAt', order: 'desc' })
  })

  it('row actions validate, disable and delete that one key', async () => {
    await mountPage()
    expect(
      rowOf('sk-…0002').querySelector('[aria-label="More actions for sk-…0002"]'),
    ).not.toBeNull()
    await chooseAction(2, 'Validate')
    expect(call).toHaveBeenCalledWith('keys.validate', { scope: [2] })

    await chooseAction(3, 'Disable')
    expect(call).toHaveBeenCalledWith('keys.setStatusMany', { ids: [3], status: 'disabled' })
    await eventually(() => expect(toasts().join(' ')).toContain('1 keys changed'))

    await chooseAction(4, 'Delete')
    await sleep(50)
    // A dialog asks first; its own Delete confirms.
    const confirm = document.querySelector<HTMLElement>('.n-dialog')!
    expect(confirm.textContent).toContain('Delete this key?')
    expect(call).not.toHaveBeenCalledWith('keys.deleteMany', expect.anything())
    button('Delete', confirm).click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.deleteMany', { ids: [4] })
  })

  it('shows the provider column only when there is more than one provider', async () => {
    const headers = () =>
      [...table().querySelectorAll('.n-data-table-th')].map((th) => th.textContent!.trim())
    const provider = (id: number, name: string) => ({
      id,
      name,
      baseUrl: `http://127.0.0.1:${9000 + id}/v1`,
      enabled: true,
    })
    // The layout loads the providers; here the test does.
    serve({ 'providers.list': () => [provider(1, 'OpenAI')] })
    await useProvidersStore().load()
    await mountPage()
    expect(headers()).toContain('State')
    expect(headers()).not.toContain('Provider')
    unmountAll()
    setActivePinia(createPinia())
    serve({ 'providers.list': () => [provider(1, 'OpenAI'), provider(2, 'Groq')] })
    await useProvidersStore().load()
    await mountPage()
    expect(headers()).toContain('Provider')
  })

  it('"Its requests" opens the log filtered by that key', async () => {
    await mountPage()
    await chooseAction(2, 'Its requests')
    await eventually(() => expect(router.currentRoute.value.path).toBe('/logs'))
    expect(router.currentRoute.value.query).toEqual({ keyId: '2' })
  })

  it('a disabled key offers Enable', async () => {
    serve({
      'keys.list': () => ({
        items: [upstreamKey(9, { state: 'disabled', stateReason: 'disabled by the user' })],
        total: 1,
        page: 1,
        pageSize: 20,
      }),
    })
    mountUi(() => h(KeysPage))
    await eventually(() => expect(rows()).toHaveLength(1))
    await chooseAction(9, 'Enable')
    expect(menuEntries()).not.toContain('Disable')
    expect(call).toHaveBeenCalledWith('keys.setStatusMany', { ids: [9], status: 'active' })
  })

  it('bulk actions apply to the selected rows; bulk delete asks first', async () => {
    await mountPage()
    expect(byTestId('bulk-actions')).toBeNull()
    for (const masked of ['sk-…0005', 'sk-…0007']) {
      rowOf(masked).querySelector<HTMLElement>('.n-checkbox')!.click()
      await flush()
    }
    const bulk = byTestId('bulk-actions')!
    expect(bulk.textContent).toContain('2 selected')

    button('Validate', bulk).click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.validate', { scope: [5, 7] })
    button('Enable', bulk).click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.setStatusMany', { ids: [5, 7], status: 'active' })

    button('Delete', bulk).click()
    await flush()
    await sleep(50)
    const dialog = document.querySelector<HTMLElement>('.n-dialog')!
    expect(dialog.textContent).toContain('Delete 2 keys?')
    expect(call).not.toHaveBeenCalledWith('keys.deleteMany', expect.anything())
    button('Delete', dialog).click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.deleteMany', { ids: [5, 7] })
  })

  it('a failed action shows its stable code', async () => {
    serve({
      'keys.setStatusMany': () => {
        throw new ApiRequestError({ code: 'not_found', message: 'gone' })
      },
    })
    await mountPage()
    await chooseAction(1, 'Disable')
    await eventually(() => expect(toasts().join(' ')).toContain('It no longer exists. (not_found)'))
  })

  it('shows validation progress from events, and can cancel the run', async () => {
    await mountPage()
    expect(byTestId('validation-progress')).toBeNull()
    const progress: ValidationProgress = {
      runId: 'run-9',
      total: 200,
      done: 50,
      active: 40,
      invalid: 8,
      exhausted: 2,
      cooling: 0,
      unknown: 0,
      finished: false,
      cancelled: false,
    }
    emit('validation.progress', progress)
    await flush()
    const bar = byTestId('validation-progress')!
    expect(bar.getAttribute('data-finished')).toBe('false')
    expect(bar.textContent).toContain('Validating keys')
    expect(bar.querySelector('.n-progress')!.textContent).toContain('25%')
    expect(byTestId('validation-detail')!.textContent).toBe(
      '50 of 200 · 40 active · 8 invalid · 2 exhausted · 0 cooling · 0 unknown',
    )

    emit('validation.progress', { ...progress, done: 150, active: 130, invalid: 18 })
    await flush()
    expect(bar.querySelector('.n-progress')!.textContent).toContain('75%')

    button('Cancel', bar).click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.validateCancel', { runId: 'run-9' })

    emit('validation.progress', { ...progress, done: 200, finished: true })
    await flush()
    expect(byTestId('validation-progress')!.getAttribute('data-finished')).toBe('true')
    expect(byTestId('validation-progress')!.textContent).toContain('Validation finished')
    expect(buttons('Cancel', byTestId('validation-progress')!)).toHaveLength(0)
  })

  it('"Revalidate invalid" starts a run over the invalid keys', async () => {
    await mountPage()
    byTestId<HTMLButtonElement>('revalidate-invalid')!.click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.validate', { scope: 'invalid' })
    await eventually(() => expect(toasts().join(' ')).toContain('Validation of 99 keys started'))
  })
})

describe('the state cell', () => {
  beforeEach(() => {
    unmountAll()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('counts a cooldown down each second, then shows the reason', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(new Date('2026-03-01T12:00:00.000Z'))
    const item = upstreamKey(1, {
      state: 'cooling',
      stateReason: 'rate limited (429)',
      cooldownUntil: '2026-03-01T12:01:05.000Z',
    })
    const wrapper = mountUi(() => h(KeyStateCell, { item }))
    await flush()
    const cell = () => document.querySelector<HTMLElement>('[data-state="cooling"]')!
    expect(cell().textContent).toContain('Cooling')
    expect(cell().textContent).toContain('back in 1:05')

    await vi.advanceTimersByTimeAsync(5_000)
    expect(cell().textContent).toContain('back in 1:00')
    await vi.advanceTimersByTimeAsync(59_000)
    expect(cell().textContent).toContain('back in 0:01')
    await vi.advanceTimersByTimeAsync(2_000)
    // The cooldown is over; the reason shows until the server reports the new state.
    expect(cell().textContent).not.toContain('back in')
    expect(cell().textContent).toContain('rate limited (429)')
    wrapper.unmount()
  })

  it('shows the reason of an invalid key and hides it for an active one', async () => {
    mountUi(() =>
      h('div', [
        h(KeyStateCell, {
          item: upstreamKey(1, { state: 'invalid', stateReason: 'validation: 401' }),
        }),
        h(KeyStateCell, { item: upstreamKey(2, { stateReason: 'restored by the user' }) }),
      ]),
    )
    await flush()
    const invalid = document.querySelector('[data-state="invalid"]')!
    expect(invalid.textContent).toContain('Invalid')
    expect(invalid.textContent).toContain('validation: 401')
    const active = document.querySelector('[data-state="active"]')!
    expect(active.textContent?.trim()).toBe('Active')
  })
})
