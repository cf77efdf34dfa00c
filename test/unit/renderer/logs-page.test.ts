import './fake-resize-observer'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { h } from 'vue'
import type { RequestLogEntry } from '../../../src/shared/contract'
import { call, mockApiModule } from './mock-api'
import {
  byTestId,
  eventually,
  flush,
  memoryRouter,
  mountUi,
  pickOption,
  sleep,
  typeInto,
  unmountAll,
} from './mount-ui'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())
vi.setConfig({ testTimeout: 30_000 })

const { default: LogsPage } = await import('../../../src/renderer/src/views/logs/index.vue')
const { i18n } = await import('../../../src/renderer/src/locales')

const entry = (patch: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  id: 41,
  at: '2026-05-04T10:20:30.000Z',
  subKeyId: 3,
  subKeyName: 'laptop',
  providerId: 2,
  keyId: 17,
  keyName: 'team-a (sk-…wxyz)',
  model: 'gpt-4o-mini',
  method: 'POST',
  endpoint: '/v1/chat/completions',
  status: 200,
  outcome: 'success',
  errorCode: null,
  latencyMs: 1234,
  ttfbMs: null,
  promptTokens: 11,
  completionTokens: 20,
  cachedTokens: 0,
  reasoningTokens: 0,
  totalTokens: 31,
  streamed: true,
  bytesOut: 2048,
  attempts: 2,
  ...patch,
})

const failed = entry({
  id: 42,
  model: 'gpt-4o',
  status: 503,
  outcome: 'upstream_error',
  errorCode: 'no_available_key',
  subKeyName: null,
  subKeyId: 9,
  keyId: null,
  keyName: null,
  totalTokens: 0,
  promptTokens: 0,
  completionTokens: 0,
  streamed: false,
})

function serve(items: RequestLogEntry[] = [entry(), failed]) {
  call.mockImplementation(async (name: string) => {
    if (name === 'logs.list') return { items, total: 321, page: 1, pageSize: 50 }
    if (name === 'providers.list')
      return [{ id: 2, name: 'Mock upstream', baseUrl: 'http://127.0.0.1:9/v1', enabled: true }]
    return null
  })
}

const router = memoryRouter(['logs'])

const lastLogs = () =>
  call.mock.calls.filter(([name]) => name === 'logs.list').at(-1)?.[1] as Record<string, unknown>

/** The drawer's rows as label → value. */
function drawerFields(): Record<string, string> {
  const drawer = byTestId('log-detail')!
  const out: Record<string, string> = {}
  const labels = [...drawer.querySelectorAll('.n-descriptions-table-header')]
  const values = [...drawer.querySelectorAll('.n-descriptions-table-content')]
  labels.forEach((label, i) => {
    out[label.textContent!.trim()] = values[i]!.textContent!.trim()
  })
  return out
}

async function openRow(id: number): Promise<void> {
  await eventually(() => expect(byTestId(`log-row-${id}`)).not.toBeNull())
  byTestId(`log-row-${id}`)!.click()
  await flush()
  await sleep(30)
  await eventually(() => expect(byTestId('log-detail')).not.toBeNull())
}

describe('the request log', () => {
  beforeEach(async () => {
    setActivePinia(createPinia())
    call.mockReset()
    unmountAll()
    serve()
    await router.replace('/logs')
  })

  it('lists a server page and sends the filters', async () => {
    mountUi(() => h(LogsPage), [router])
    await eventually(() => expect(byTestId('log-row-42')).not.toBeNull())
    expect(lastLogs()).toEqual({ page: 1, pageSize: 50 })
    const row = byTestId('log-row-42')!
    expect(row.textContent).toContain('gpt-4o')
    expect(row.textContent).toContain('503')

    await pickOption(byTestId('logs-filter-outcome')!, 'Upstream error')
    await typeInto(byTestId('logs-filter-model')!.querySelector('input')!, ' gpt-4o ')
    await eventually(() =>
      expect(lastLogs()).toEqual({
        page: 1,
        pageSize: 50,
        outcome: 'upstream_error',
        model: 'gpt-4o',
      }),
    )
  })

  it('the detail drawer names every field in words and formats the values', async () => {
    mountUi(() => h(LogsPage), [router])
    await openRow(41)
    const fields = drawerFields()
    expect(fields).toMatchObject({
      Outcome: 'Success',
      'HTTP status': '200',
      'Error code': '—',
      Request: 'POST /v1/chat/completions',
      Model: 'gpt-4o-mini',
      'Sub-key': 'laptop',
      'Upstream key': 'team-a (sk-…wxyz)',
      Provider: 'Mock upstream',
      Latency: '1,234 ms',
      'Time to first byte': '—',
      Tokens: '31',
      'Token breakdown': 'prompt 11 · completion 20 · cached 0 · reasoning 0',
      Streamed: 'Yes',
      'Sent to the client': '2.0 KB',
      'Upstream attempts': '2',
      'Log ID': '41',
    })
    expect(fields['Time']).toMatch(/^2026-05-04 \d\d:\d\d$/)
    // No raw field names, no JSON "null".
    const text = byTestId('log-detail')!.textContent!
    expect(text).not.toContain('null')
    expect(text).not.toContain('latencyMs')
  })

  it('shows a failed request with its stable error code and a deleted sub-key', async () => {
    mountUi(() => h(LogsPage), [router])
    await openRow(42)
    expect(drawerFields()).toMatchObject({
      Outcome: 'Upstream error',
      'HTTP status': '503',
      'Error code': 'no_available_key',
      'Sub-key': '#9 (deleted)',
      'Upstream key': '—',
      Streamed: 'No',
    })
  })

  it('filters by the key and sub-key in the address, each with a chip that clears it', async () => {
    await router.replace({ name: 'logs', query: { keyId: '17', subKeyId: '3' } })
    mountUi(() => h(LogsPage), [router])
    await eventually(() =>
      expect(lastLogs()).toEqual({ page: 1, pageSize: 50, keyId: 17, subKeyId: 3 }),
    )
    // Named as the rows name them.
    await eventually(() =>
      expect(byTestId('logs-filter-key')!.textContent).toContain('Key: team-a (sk-…wxyz)'),
    )
    expect(byTestId('logs-filter-sub-key')!.textContent).toContain('Sub-key: laptop')
    byTestId('logs-filter-key')!.querySelector<HTMLElement>('.n-base-close')!.click()
    await eventually(() => expect(lastLogs()).toEqual({ page: 1, pageSize: 50, subKeyId: 3 }))
    expect(router.currentRoute.value.query).toEqual({ subKeyId: '3' })
    expect(byTestId('logs-filter-key')).toBeNull()
  })

  it('does not reload for an address it is leaving', async () => {
    await router.replace({ name: 'logs', query: { keyId: '17' } })
    mountUi(() => h(LogsPage), [router])
    await eventually(() => expect(lastLogs()).toMatchObject({ keyId: 17 }))
    const calls = () => call.mock.calls.filter(([name]) => name === 'logs.list').length
    const before = calls()
    await router.push('/')
    await flush()
    expect(calls()).toBe(before)
  })

  it('ignores an address filter that is not an id', async () => {
    await router.replace({ name: 'logs', query: { keyId: 'abc', subKeyId: '-2' } })
    mountUi(() => h(LogsPage), [router])
    await eventually(() => expect(lastLogs()).toEqual({ page: 1, pageSize: 50 }))
    expect(byTestId('logs-filter-key')).toBeNull()
  })

  it('names a key deleted since by its former id', async () => {
    serve([entry({ id: 43, keyId: 17, keyName: null })])
    mountUi(() => h(LogsPage), [router])
    await openRow(43)
    expect(drawerFields()['Upstream key']).toBe('#17 (deleted)')
    expect(byTestId('log-row-43')!.textContent).toContain('#17 (deleted)')
  })

  it('follows the UI language, and closes', async () => {
    mountUi(() => h(LogsPage), [router])
    i18n.global.locale.value = 'zh-CN'
    await openRow(42)
    expect(drawerFields()).toMatchObject({ 结果: '上游错误', 错误码: 'no_available_key' })
    i18n.global.locale.value = 'en'
    await flush()
    expect(drawerFields()['Outcome']).toBe('Upstream error')
    byTestId('log-detail')!.querySelector<HTMLElement>('.n-base-close')!.click()
    await flush()
    await eventually(() => expect(byTestId('log-detail')).toBeNull())
  })
})
