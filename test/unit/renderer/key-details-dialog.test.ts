import './fake-resize-observer'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { h, ref } from 'vue'
import type { KeyTransitionEntry, UpstreamKey } from '../../../src/shared/contract'
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

const { default: KeyDetailsDialog } =
  await import('../../../src/renderer/src/views/keys/modules/KeyDetailsDialog.vue')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')

const key = {
  id: 12,
  providerId: 1,
  label: 'old label',
  masked: 'sk-…abcd',
  weight: 3,
} as UpstreamKey

const history: KeyTransitionEntry[] = [
  {
    id: 2,
    keyId: 12,
    at: '2026-05-04T10:00:00.000Z',
    from: 'active',
    to: 'invalid',
    reason: 'proxy: 401',
    httpStatus: 401,
    message: 'Incorrect API key provided',
  },
  {
    id: 1,
    keyId: 12,
    at: '2026-05-03T10:00:00.000Z',
    from: 'active',
    to: 'cooling',
    reason: 'rate limited',
    httpStatus: 429,
    message: null,
  },
]

async function open(target: UpstreamKey = key) {
  const current = ref<UpstreamKey>()
  const closed = vi.fn()
  const saved = vi.fn()
  mountUi(() =>
    h(KeyDetailsDialog, {
      upstreamKey: current.value,
      providerOptions: [
        { value: 1, label: 'OpenAI' },
        { value: 2, label: 'Mock upstream' },
      ],
      onClose: () => {
        closed()
        current.value = undefined
      },
      onSaved: saved,
    }),
  )
  await flush()
  current.value = target
  await flush()
  await sleep(30)
  return { closed, saved }
}

const dialog = () => byTestId('key-details')!

describe('the key details dialog', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    unmountAll()
  })

  it("lists the key's recorded state changes, newest first, without repeating the status", async () => {
    call.mockResolvedValue(history)
    await open()
    expect(call).toHaveBeenCalledWith('keys.transitions', { id: 12 })
    await eventually(() => expect(byTestId('key-history')).not.toBeNull())
    const items = [...byTestId('key-history')!.querySelectorAll('.n-timeline-item')].map(
      (item) => item.textContent,
    )
    expect(items[0]).toContain('Active → Invalid')
    // The reason already says 401; the message is added once.
    expect(items[0]).toContain('proxy: 401 · Incorrect API key provided')
    expect(items[0]).not.toContain('401 · 401')
    expect(items[1]).toContain('Active → Cooling')
    expect(items[1]).toContain('rate limited · 429')
    expect(dialog().querySelector('.n-card-header')!.textContent).toContain('Key · sk-…abcd')
  })

  it('saves label, weight and provider, then tells the page to reload', async () => {
    call.mockImplementation(async (name: string) => (name === 'keys.transitions' ? [] : key))
    const { closed, saved } = await open()
    expect(dialog().textContent).toContain('No state change recorded yet.')
    const label = byTestId('key-label')!.querySelector('input')!
    expect(label.value).toBe('old label')
    await typeInto(label, 'team-b spare')
    await typeInto(dialog().querySelector<HTMLInputElement>('.n-input-number input')!, '7')
    await pickOption(dialog().querySelector('.n-select')!, 'Mock upstream')
    byTestId<HTMLButtonElement>('key-save')!.click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.update', {
      id: 12,
      label: 'team-b spare',
      weight: 7,
      providerId: 2,
    })
    expect(saved).toHaveBeenCalledTimes(1)
    expect(closed).toHaveBeenCalledTimes(1)
  })

  it('a refused save stays open and shows the code', async () => {
    call.mockImplementation(async (name: string) => {
      if (name === 'keys.transitions') return []
      throw new ApiRequestError({ code: 'conflict', message: 'duplicate' })
    })
    const { closed, saved } = await open()
    byTestId<HTMLButtonElement>('key-save')!.click()
    await eventually(() =>
      expect(toasts().join(' ')).toContain(
        'That conflicts with something that exists already. (conflict)',
      ),
    )
    expect(saved).not.toHaveBeenCalled()
    expect(closed).not.toHaveBeenCalled()
  })
})
