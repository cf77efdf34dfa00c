import './fake-resize-observer'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { h } from 'vue'
import type { SubKey } from '../../../src/shared/contract'
import { call, mockApiModule } from './mock-api'
import {
  button,
  byTestId,
  chooseMenuEntry,
  eventually,
  flush,
  memoryRouter,
  mountUi,
  sleep,
  typeInto,
  unmountAll,
} from './mount-ui'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())
vi.setConfig({ testTimeout: 30_000 })

const { default: SubKeysPage } = await import('../../../src/renderer/src/views/sub-keys/index.vue')

const subKey = (patch: Partial<SubKey>): SubKey => ({
  id: 1,
  name: 'laptop',
  prefix: 'sk-kp-AAAA',
  last4: 'zz01',
  status: 'active',
  enabled: true,
  remaining: 8,
  maxRequests: 100,
  expiresAt: '2099-01-01T00:00:00.000Z',
  allowModels: ['gpt-4o*'],
  denyModels: ['o1'],
  providerId: null,
  rpm: null,
  tokenBudget: null,
  tokensUsed: 1500,
  requests: 92,
  lastUsedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  note: '',
  ...patch,
})

const keys = [
  subKey({}),
  subKey({
    id: 2,
    name: 'ci',
    last4: 'zz02',
    status: 'disabled',
    enabled: false,
    maxRequests: null,
    remaining: null,
    expiresAt: null,
    allowModels: [],
    denyModels: [],
  }),
]

function serve() {
  call.mockImplementation(async (name: string) => {
    if (name === 'subKeys.list') return keys
    if (name === 'subKeys.regenerate')
      return { subKey: keys[0], secret: 'sk-kp-NEWSECRET0000000000000000000000zz01' }
    if (name === 'keys.list') return { items: [], total: 0, page: 1, pageSize: 500 }
    return null
  })
}

const row = (name: string) =>
  [...document.querySelectorAll<HTMLElement>('[data-testid="sub-keys-table"] tbody tr')].find(
    (candidate) => candidate.textContent?.includes(name),
  )!

const chooseAction = (id: number, label: string) =>
  chooseMenuEntry(byTestId(`sub-key-more-${id}`)!, label)

const dialog = () => document.querySelector<HTMLElement>('.n-dialog')!

const router = memoryRouter(['logs'])

async function mountPage() {
  mountUi(() => h(SubKeysPage), [router])
  await eventually(() => expect(row('laptop')).toBeTruthy())
}

describe('the sub-keys page', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    unmountAll()
    serve()
  })

  it('shows status, remaining of the limit, expiry and the model policy', async () => {
    await mountPage()
    const laptop = row('laptop')
    expect(laptop.textContent).toContain('sk-kp-AAAA…zz01')
    expect(laptop.textContent).toContain('8 / 100')
    // 8 % left: the bar turns red.
    expect(laptop.querySelector('.n-progress')!.getAttribute('style')).toContain(
      '--n-fill-color: #d03050',
    )
    expect(laptop.textContent).toContain('gpt-4o*')
    expect(laptop.textContent).toContain('−o1')
    const ci = row('ci')
    expect(ci.textContent).toContain('Disabled')
    expect(ci.textContent).toContain('Unlimited')
    expect(ci.textContent).toContain('Never')
    expect(ci.textContent).toContain('All models')
  })

  it('top up sends the amount; extend sends the preset in seconds', async () => {
    await mountPage()
    await chooseAction(1, 'Top up')
    const amount = document.querySelector<HTMLInputElement>('.n-modal .n-input-number input')!
    await typeInto(amount, '250')
    button('Confirm').click()
    await flush()
    expect(call).toHaveBeenCalledWith('subKeys.topUp', { id: 1, requests: 250 })

    await chooseAction(1, 'Extend')
    button('Confirm').click()
    await flush()
    expect(call).toHaveBeenCalledWith('subKeys.extend', { id: 1, seconds: 7 * 86_400 })
  })

  it('a limitless, never-expiring key cannot be topped up or extended', async () => {
    await mountPage()
    byTestId('sub-key-more-2')!.click()
    await flush()
    await sleep(20)
    const disabled = [...document.querySelectorAll('.n-dropdown-option-body--disabled')].map(
      (option) => option.textContent?.trim(),
    )
    expect(disabled).toEqual(['Top up', 'Extend'])
  })

  it('"Its requests" opens the log filtered by that sub-key', async () => {
    await mountPage()
    await chooseAction(1, 'Its requests')
    await eventually(() => expect(router.currentRoute.value.path).toBe('/logs'))
    expect(router.currentRoute.value.query).toEqual({ subKeyId: '1' })
  })

  it('regenerate asks first, then shows the new secret once', async () => {
    await mountPage()
    await chooseAction(1, 'Regenerate')
    expect(dialog().textContent).toContain('laptop')
    expect(call).not.toHaveBeenCalledWith('subKeys.regenerate', expect.anything())
    button('Regenerate', dialog()).click()
    await flush()
    expect(call).toHaveBeenCalledWith('subKeys.regenerate', { id: 1 })
    await eventually(() =>
      expect(byTestId('reveal-secret')?.textContent).toContain(
        'sk-kp-NEWSECRET0000000000000000000000zz01',
      ),
    )
  })

  it('disable and delete ask first; enable does not', async () => {
    await mountPage()
    await chooseAction(1, 'Disable')
    expect(call).not.toHaveBeenCalledWith('subKeys.update', expect.anything())
    button('Disable', dialog()).click()
    await flush()
    expect(call).toHaveBeenCalledWith('subKeys.update', { id: 1, enabled: false })
    await sleep(300)

    await chooseAction(2, 'Enable')
    expect(call).toHaveBeenCalledWith('subKeys.update', { id: 2, enabled: true })

    await chooseAction(2, 'Delete')
    expect(dialog().textContent).toContain('"ci"')
    expect(call).not.toHaveBeenCalledWith('subKeys.delete', expect.anything())
    button('Delete', dialog()).click()
    await flush()
    expect(call).toHaveBeenCalledWith('subKeys.delete', { id: 2 })
  })
})
