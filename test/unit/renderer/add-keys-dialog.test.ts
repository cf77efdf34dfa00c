import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { h, ref } from 'vue'
import { call, mockApiModule } from './mock-api'
import {
  button,
  byTestId,
  eventually,
  flush,
  mountUi,
  sleep,
  statistics,
  toasts,
  typeInto,
  unmountAll,
} from './mount-ui'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())
// Mounting naive-ui's data table in happy-dom takes a while on a busy machine.
vi.setConfig({ testTimeout: 30_000 })

const { default: AddKeysDialog } =
  await import('../../../src/renderer/src/views/keys/modules/AddKeysDialog.vue')
const { useProvidersStore } = await import('../../../src/renderer/src/stores/providers-store')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')

const emptyPage = { items: [], total: 0, page: 1, pageSize: 20 }
const key = (i: number) => `sk-test-${String(i).padStart(4, '0')}-abcdefghijkl`

/** Opens the dialog the way the page does: mounted closed, then shown. */
async function openDialog() {
  const show = ref(false)
  const wrapper = mountUi(() =>
    h(AddKeysDialog, {
      show: show.value,
      'onUpdate:show': (next: boolean) => (show.value = next),
    }),
  )
  await flush()
  show.value = true
  await flush()
  await sleep(50)
  return { wrapper, show }
}

const dialog = () => byTestId('add-keys-dialog')!
const preview = () => statistics(byTestId('add-keys-preview')!)
const submit = () => byTestId<HTMLButtonElement>('add-keys-submit')!

describe('the add-keys dialog', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    unmountAll()
    useProvidersStore().providers = [
      { id: 3, name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', enabled: true },
      { id: 4, name: 'DeepSeek', baseUrl: 'https://api.deepseek.com/v1', enabled: true },
    ]
  })

  it('counts a paste (keys, in-batch duplicates, malformed lines) before anything is sent', async () => {
    await openDialog()
    expect(submit().disabled).toBe(true)
    const text = [
      '# a comment',
      key(1),
      `${key(2)},team a`,
      '',
      key(1),
      'short',
      'has a space in it',
      key(3),
    ].join('\n')
    await typeInto(dialog().querySelector('textarea')!, text)
    expect(preview()).toEqual({
      Lines: '6',
      'Keys to add': '3',
      'Duplicates in this batch': '1',
      Malformed: '2',
    })
    expect(submit().textContent).toContain('Add 3 keys')
    expect(submit().disabled).toBe(false)
    expect(call).not.toHaveBeenCalled()
  })

  it('confirming sends the pasted text with the chosen provider and shows the server counts', async () => {
    call.mockImplementation(async (name: string) =>
      name === 'keys.bulkAdd' ? { added: 2, duplicates: 1, malformed: 0 } : emptyPage,
    )
    await openDialog()
    const text = `${key(1)}\n${key(2)}\n${key(1)}`
    await typeInto(dialog().querySelector('textarea')!, text)
    submit().click()
    await flush()
    // The first provider is chosen when the dialog opens.
    expect(call).toHaveBeenCalledWith('keys.bulkAdd', { keys: text, providerId: 3 })
    // The table reloads after an add.
    expect(call).toHaveBeenCalledWith('keys.list', expect.objectContaining({ page: 1 }))
    const result = byTestId('add-result')!
    expect(result.textContent).toContain('Added 2 · duplicates 1 · malformed 0')
    expect(statistics(dialog())).toMatchObject({
      'Keys to add': '2',
      'Duplicates in this batch': '1',
      Malformed: '0',
    })
  })

  it('a chosen .csv file is previewed as CSV (header skipped) and imported with its format', async () => {
    call.mockImplementation(async (name: string) =>
      name === 'keys.import' ? { added: 2, duplicates: 0, malformed: 1 } : emptyPage,
    )
    await openDialog()
    const fileTab = [...document.querySelectorAll<HTMLElement>('.n-tabs-tab')].find(
      (tab) => tab.textContent?.trim() === 'File',
    )!
    fileTab.click()
    await flush()
    await sleep(50)
    const content = `key,label\n${key(7)},primary\n"${key(8)}",spare\nnope,bad\n`
    const input = byTestId<HTMLInputElement>('add-keys-file')!
    const file = new File([content], 'pool.csv', { type: 'text/csv' })
    Object.defineProperty(input, 'files', { value: [file], configurable: true })
    input.dispatchEvent(new Event('change'))
    await eventually(() => expect(dialog().textContent).toContain('pool.csv'))
    expect(preview()).toEqual({
      Lines: '3',
      'Keys to add': '2',
      'Duplicates in this batch': '0',
      Malformed: '1',
    })
    submit().click()
    await flush()
    expect(call).toHaveBeenCalledWith('keys.import', { format: 'csv', content, providerId: 3 })
    expect(byTestId('add-result')!.textContent).toContain('Added 2')
  })

  it('a JSON file is counted by its items', async () => {
    await openDialog()
    ;[...document.querySelectorAll<HTMLElement>('.n-tabs-tab')]
      .find((tab) => tab.textContent?.trim() === 'File')!
      .click()
    await flush()
    await sleep(50)
    const content = JSON.stringify([key(1), { key: key(2), label: 'b' }, { key: key(1) }, 42])
    const input = byTestId<HTMLInputElement>('add-keys-file')!
    Object.defineProperty(input, 'files', {
      value: [new File([content], 'keys.JSON')],
      configurable: true,
    })
    input.dispatchEvent(new Event('change'))
    await eventually(() => expect(preview()['Lines']).toBe('4'))
    expect(preview()).toMatchObject({
      'Keys to add': '2',
      'Duplicates in this batch': '1',
      Malformed: '1',
    })
  })

  it('a refused add shows the translated error with its stable code and keeps the text', async () => {
    call.mockImplementation(async (name: string) => {
      if (name === 'keys.bulkAdd')
        throw new ApiRequestError({ code: 'payload_too_large', message: 'body over limit' })
      return emptyPage
    })
    await openDialog()
    await typeInto(dialog().querySelector('textarea')!, key(1))
    submit().click()
    await flush()
    await eventually(() => expect(toasts().join(' ')).toContain('(payload_too_large)'))
    expect(toasts().join(' ')).toContain('That is too large to send.')
    expect(byTestId('add-result')).toBeNull()
    expect(dialog().querySelector('textarea')!.value).toBe(key(1))
    expect(submit().disabled).toBe(false)
  })

  it('an unknown code falls back to the server message, still with the code', async () => {
    call.mockRejectedValue(
      new ApiRequestError({ code: 'key_store_locked' as never, message: 'locked' }),
    )
    await openDialog()
    await typeInto(dialog().querySelector('textarea')!, key(1))
    submit().click()
    await eventually(() => expect(toasts().join(' ')).toContain('locked (key_store_locked)'))
  })

  it('Cancel closes without sending anything', async () => {
    const { show } = await openDialog()
    await typeInto(dialog().querySelector('textarea')!, key(1))
    button('Cancel').click()
    await flush()
    expect(show.value).toBe(false)
    expect(call).not.toHaveBeenCalled()
  })
})
