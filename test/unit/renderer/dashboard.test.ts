import './fake-resize-observer'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { StatsSeries, StatsSummary } from '../../../src/shared/contract'
import { call, emit, listeners, mockApiModule } from './mock-api'
import { button, byTestId, flush, mountUi, unmountAll } from './mount-ui'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())
// Charts are echarts on a canvas; here a stand-in keeps the option each chart was given.
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    props: { option: { type: Object, required: true } },
    setup: (props) => () =>
      h('div', { class: 'chart-stub', 'data-option': JSON.stringify(props.option) }),
  }),
}))
vi.setConfig({ testTimeout: 30_000 })

const { default: DashboardPage } =
  await import('../../../src/renderer/src/views/dashboard/index.vue')

const windows = (lastMinute: number, lastHour: number, last24h: number, total: number) => ({
  lastMinute,
  lastHour,
  last24h,
  total,
})

function summary(total: number, patch: Partial<StatsSummary> = {}): StatsSummary {
  return {
    requests: windows(Math.min(total, 3), total, total, total),
    errors: windows(0, 1, 1, 1),
    tokens: windows(0, 0, 123_456, 123_456),
    keys: { active: 8, cooling: 1, exhausted: 0, invalid: 1, disabled: 0, total: 10 },
    successRate: { lastMinute: 1, lastHour: 0.9, last24h: 0.987, total: 0.987 },
    usableKeys: 8,
    ...patch,
  }
}

function series(groupBy: string, range: string, traffic = true): StatsSeries {
  const n = traffic ? 1 : 0
  const groups =
    groupBy === 'outcome'
      ? [
          {
            key: 'success',
            label: 'success',
            requests: [2 * n, 5 * n],
            errors: [0, 0],
            tokens: [0, 0],
          },
          {
            key: 'upstream_error',
            label: 'upstream_error',
            requests: [0, n],
            errors: [0, n],
            tokens: [0, 0],
          },
        ]
      : [
          {
            key: 'gpt-4o',
            label: groupBy === 'model' ? 'gpt-4o' : 'laptop',
            requests: [2 * n, 6 * n],
            errors: [0, 0],
            tokens: [0, 0],
          },
        ]
  return {
    range: range as StatsSeries['range'],
    groupBy: groupBy as StatsSeries['groupBy'],
    bucketSeconds: 3600,
    times: ['2026-05-04T09:00:00.000Z', '2026-05-04T10:00:00.000Z'],
    groups,
    totals: { requests: [2 * n, 6 * n], errors: [0, n], tokens: [0, 0] },
    latency: { p50: traffic ? [120, 140] : [null, null], p95: traffic ? [300, 320] : [null, null] },
  } as StatsSeries
}

function serve({ total = 8, traffic = true } = {}) {
  call.mockImplementation(async (name: string, input: Record<string, string> = {}) => {
    if (name === 'stats.summary') return summary(total)
    if (name === 'stats.series') return series(input.groupBy!, input.range!, traffic)
    return null
  })
}

const router = createRouter({
  history: createMemoryHistory(),
  routes: ['/', '/keys', '/sub-keys'].map((path) => ({ path, component: { render: () => null } })),
})

const card = (key: string) =>
  byTestId(`card-${key}`)!.querySelector('.n-statistic-value')!.textContent!.trim()
const seriesCalls = () => call.mock.calls.filter(([name]) => name === 'stats.series')
const chartCard = (title: string) =>
  [...document.querySelectorAll<HTMLElement>('.n-card')].find(
    (candidate) => candidate.querySelector('.n-card-header__main')?.textContent?.trim() === title,
  )!
const optionOf = (title: string) =>
  JSON.parse(chartCard(title).querySelector('.chart-stub')!.getAttribute('data-option')!)

async function mountDashboard() {
  mountUi(() => h(DashboardPage), [router])
  await vi.waitFor(() => expect(byTestId('card-total')).not.toBeNull(), { timeout: 8000 })
  await flush()
}

describe('the dashboard', () => {
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

  it('shows the summary cards, the pool and the charts from one summary and three series', async () => {
    await mountDashboard()
    expect(call.mock.calls.filter(([name]) => name === 'stats.summary').length).toBeGreaterThan(0)
    expect(seriesCalls().map(([, input]) => input)).toEqual([
      { range: '24h', groupBy: 'outcome' },
      { range: '24h', groupBy: 'model' },
      { range: '24h', groupBy: 'subKey' },
    ])
    expect(card('total')).toBe('8')
    expect(card('successRate')).toBe('98.7%')
    expect(card('tokens24h')).toBe('123.5K')
    expect(card('usableKeys')).toBe('8 / 10')
    const pool = optionOf('Key pool').series[0].data
    expect(pool.map((slice: { value: number }) => slice.value)).toEqual([8, 1, 0, 1, 0])
    const requests = optionOf('Requests over time')
    expect(requests.series.map((s: { name: string }) => s.name)).toEqual([
      'Success',
      'Upstream error',
    ])
    expect(optionOf('Top models').yAxis.data).toEqual(['gpt-4o'])
  })

  it('follows stats.changed live, and reloads the series once, a few seconds after a burst', async () => {
    await mountDashboard()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    call.mockClear()
    for (let i = 1; i <= 5; i++) emit('stats.changed', summary(8 + i))
    await flush()
    // The cards move at once, from the pushed summary, without asking the server.
    expect(card('total')).toBe('13')
    expect(card('lastHour')).toBe('13')
    expect(call).not.toHaveBeenCalledWith('stats.summary')
    expect(seriesCalls()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(2_500)
    expect(seriesCalls()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(seriesCalls()).toHaveLength(3)
  })

  it('follows pool.health: the usable-keys card and the donut', async () => {
    await mountDashboard()
    emit('pool.health', {
      keys: { active: 2, cooling: 0, exhausted: 3, invalid: 5, disabled: 0, total: 10 },
      usableKeys: 2,
    })
    await flush()
    expect(card('usableKeys')).toBe('2 / 10')
    const pool = optionOf('Key pool').series[0].data
    expect(pool.map((slice: { value: number }) => slice.value)).toEqual([2, 0, 3, 5, 0])
  })

  it('switching the range reloads the three series for that range', async () => {
    await mountDashboard()
    call.mockClear()
    const range = [...document.querySelectorAll<HTMLElement>('.n-radio-button')].find(
      (radio) => radio.textContent?.trim() === '7 d',
    )!
    range.querySelector('input')!.click()
    await flush()
    expect(seriesCalls().map(([, input]) => input)).toEqual([
      { range: '7d', groupBy: 'outcome' },
      { range: '7d', groupBy: 'model' },
      { range: '7d', groupBy: 'subKey' },
    ])
  })

  it('a range without requests says so instead of drawing an empty grid', async () => {
    serve({ total: 0, traffic: false })
    await mountDashboard()
    const requests = chartCard('Requests over time')
    expect(requests.querySelector('.chart-stub')).toBeNull()
    expect(requests.textContent).toContain('No requests yet')
    expect(button('Create a sub-key', requests)).toBeTruthy()
    expect(chartCard('Latency').querySelector('.chart-stub')).toBeNull()

    // Traffic exists, just not in this range.
    unmountAll()
    call.mockImplementation(async (name: string, input: Record<string, string> = {}) =>
      name === 'stats.summary' ? summary(50) : series(input.groupBy!, input.range!, false),
    )
    await mountDashboard()
    expect(chartCard('Requests over time').textContent).toContain('No requests in this period.')
  })
})
