import './fake-resize-observer'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { h, ref } from 'vue'
import type { SubKey } from '../../../src/shared/contract'
import { call, mockApiModule } from './mock-api'
import {
  byTestId,
  eventually,
  flush,
  mountUi,
  pickOption,
  sleep,
  toasts,
  typeInto,
  unmountAll,
} from './mount-ui'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())
vi.setConfig({ testTimeout: 30_000 })

const { default: SubKeyForm } =
  await import('../../../src/renderer/src/views/sub-keys/modules/SubKeyForm.vue')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')

const HOUR = 3_600_000
const DAY = 24 * HOUR

const subKey = (patch: Partial<SubKey> = {}): SubKey => ({
  id: 5,
  name: 'ci runner',
  prefix: 'sk-kp-ABCD',
  last4: 'wxyz',
  status: 'active',
  enabled: true,
  remaining: 40,
  maxRequests: 100,
  expiresAt: '2027-01-01T00:00:00.000Z',
  allowModels: ['gpt-4o*'],
  denyModels: [],
  providerId: null,
  rpm: null,
  tokenBudget: null,
  tokensUsed: 0,
  requests: 60,
  lastUsedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  note: '',
  ...patch,
})

function serve() {
  call.mockImplementation(async (name: string, input: Record<string, unknown>) => {
    if (name === 'keys.list')
      return {
        items: [{ models: ['gpt-4o', 'gpt-4o-mini'] }, { models: ['o1-preview'] }],
        total: 2,
        page: 1,
        pageSize: 500,
      }
    if (name === 'subKeys.create')
      return { subKey: subKey({ name: input.name as string }), secret: 'sk-kp-SECRET' }
    if (name === 'subKeys.update') return subKey()
    if (name === 'subKeys.list') return []
    return null
  })
}

/** Mounted closed, then opened, as the page does. */
async function openForm(editing?: SubKey) {
  const show = ref(false)
  const issued = vi.fn()
  mountUi(() =>
    h(SubKeyForm, {
      show: show.value,
      editing,
      'onUpdate:show': (next: boolean) => (show.value = next),
      onIssued: issued,
    }),
  )
  await flush()
  show.value = true
  await flush()
  await sleep(30)
  return { show, issued }
}

const form = () => byTestId('sub-key-form')!
const field = (label: string) =>
  [...form().querySelectorAll<HTMLElement>('.n-form-item')].find(
    (item) =>
      item.querySelector('.n-form-item-label')?.textContent?.replace('*', '').trim() === label,
  )!

async function choosePreset(label: string): Promise<void> {
  const radio = [...form().querySelectorAll<HTMLElement>('.n-radio-button')].find(
    (button) => button.textContent?.trim() === label,
  )!
  radio.querySelector('input')!.click()
  await flush()
}

/** Types a model name or glob into a tag select and presses Enter. */
async function typeModel(label: string, model: string): Promise<void> {
  const select = field(label).querySelector<HTMLElement>('.n-select')!
  select.querySelector<HTMLElement>('.n-base-selection')!.click()
  await flush()
  const input = select.querySelector<HTMLInputElement>('input')!
  await typeInto(input, model)
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true }))
  await flush()
}

const tags = (label: string) =>
  [...field(label).querySelectorAll('.n-tag')].map((tag) => tag.textContent?.trim())

async function submit(): Promise<void> {
  byTestId<HTMLButtonElement>('sub-key-submit')!.click()
  await flush()
}

const lastCall = (name: string) =>
  call.mock.calls.filter(([called]) => called === name).at(-1)?.[1] as Record<string, unknown>

describe('the sub-key form', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    unmountAll()
    serve()
  })

  it('creates with a preset expiry, limits and an allow and deny list, and hands over the secret', async () => {
    const { show, issued } = await openForm()
    // Known models come from the active keys' capability maps.
    expect(call).toHaveBeenCalledWith('keys.list', { status: 'active', pageSize: 500 })
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, '  laptop  ')
    await choosePreset('7 days')
    await typeInto(byTestId('sub-key-max-requests')!.querySelector('input')!, '10')
    await pickOption(field('Allowed models').querySelector('.n-select')!, 'gpt-4o')
    await typeModel('Allowed models', 'claude-*')
    await typeModel('Denied models', 'o1*')
    expect(tags('Allowed models')).toEqual(['gpt-4o', 'claude-*'])
    expect(tags('Denied models')).toEqual(['o1*'])

    const before = Date.now()
    await submit()
    const after = Date.now()
    const body = lastCall('subKeys.create')
    expect(body).toMatchObject({
      name: 'laptop',
      maxRequests: 10,
      tokenBudget: null,
      rpm: null,
      allowModels: ['gpt-4o', 'claude-*'],
      denyModels: ['o1*'],
      providerId: null,
      enabled: true,
      note: '',
    })
    const expires = Date.parse(body.expiresAt as string)
    expect(expires).toBeGreaterThanOrEqual(before + 7 * DAY)
    expect(expires).toBeLessThanOrEqual(after + 7 * DAY)
    await eventually(() => expect(issued).toHaveBeenCalledTimes(1))
    expect(issued.mock.calls[0]![0]).toMatchObject({ secret: 'sk-kp-SECRET' })
    expect(show.value).toBe(false)
  })

  it('a new sub-key expires in 30 days unless another preset is picked; Never sends null', async () => {
    await openForm()
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, 'a')
    const checked = form().querySelector('.n-radio-button--checked')!
    expect(checked.textContent?.trim()).toBe('30 days')
    let before = Date.now()
    await submit()
    let expires = Date.parse(lastCall('subKeys.create').expiresAt as string)
    expect(expires - before).toBeGreaterThanOrEqual(30 * DAY)
    expect(expires - before).toBeLessThan(30 * DAY + 60_000)

    unmountAll()
    await openForm()
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, 'b')
    await choosePreset('1 hour')
    before = Date.now()
    await submit()
    expires = Date.parse(lastCall('subKeys.create').expiresAt as string)
    expect(expires - before).toBeGreaterThanOrEqual(HOUR)
    expect(expires - before).toBeLessThan(HOUR + 60_000)

    unmountAll()
    await openForm()
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, 'c')
    await choosePreset('Never')
    await submit()
    expect(lastCall('subKeys.create').expiresAt).toBeNull()
  })

  it('"Date" without a picked date is refused instead of silently never expiring', async () => {
    await openForm()
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, 'dated')
    await choosePreset('Date')
    expect(form().querySelector('.n-date-picker')).not.toBeNull()
    await submit()
    expect(lastCall('subKeys.create')).toBeUndefined()
    expect(field('Expiry').textContent).toContain('Pick a date and time')
  })

  it('refuses an empty name without calling the server', async () => {
    await openForm()
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, '   ')
    await submit()
    expect(lastCall('subKeys.create')).toBeUndefined()
    expect(field('Name').textContent).toContain('Some values are not valid.')
  })

  it('editing keeps the remaining count unless the limit changed, and saves the model lists', async () => {
    const editing = subKey()
    await openForm(editing)
    expect(byTestId('sub-key-name')!.querySelector('input')!.value).toBe('ci runner')
    expect(form().querySelector('.n-radio-button--checked')!.textContent?.trim()).toBe('Date')
    expect(tags('Allowed models')).toEqual(['gpt-4o*'])
    await typeModel('Denied models', 'gpt-4o-mini')
    await submit()
    const first = lastCall('subKeys.update')
    expect(first).toMatchObject({
      id: 5,
      name: 'ci runner',
      expiresAt: '2027-01-01T00:00:00.000Z',
      allowModels: ['gpt-4o*'],
      denyModels: ['gpt-4o-mini'],
    })
    // Sending maxRequests would reset the remaining count: not when it is unchanged.
    expect(first).not.toHaveProperty('maxRequests')

    unmountAll()
    await openForm(editing)
    await typeInto(byTestId('sub-key-max-requests')!.querySelector('input')!, '250')
    // Removing the allowed pattern lets every model through again.
    field('Allowed models').querySelector<HTMLElement>('.n-tag .n-base-close')!.click()
    await flush()
    await submit()
    expect(lastCall('subKeys.update')).toMatchObject({ maxRequests: 250, allowModels: [] })
  })

  it('shows a refused save with its stable code and stays open', async () => {
    call.mockImplementation(async (name: string) => {
      if (name === 'subKeys.create')
        throw new ApiRequestError({
          code: 'invalid_input',
          message: 'bad',
          issues: [{ path: 'allowModels.0', message: 'too long' }],
        })
      return { items: [], total: 0, page: 1, pageSize: 500 }
    })
    const { show } = await openForm()
    await typeInto(byTestId('sub-key-name')!.querySelector('input')!, 'x')
    await submit()
    await eventually(() =>
      expect(toasts().join(' ')).toContain(
        'Some values are not valid. allowModels.0: too long (invalid_input)',
      ),
    )
    expect(show.value).toBe(true)
  })
})
