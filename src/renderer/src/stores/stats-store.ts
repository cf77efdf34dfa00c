import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { StatsSummary } from '../../../shared/contract'
import { api } from '../api'
import { hasOperation } from '../api/optional-operations'
import { debounce } from '../utils/debounce'
import {
  toSeriesView,
  type ChartRange,
  type SeriesView,
} from '../views/dashboard/modules/series-adapter'

/**
 * Request statistics for the dashboard: the summary follows `stats.changed` (pushed at most about
 * once a second), the chart series reload a few seconds after traffic.
 */
export const useStatsStore = defineStore('stats', () => {
  const available = ref(hasOperation('stats.summary'))
  const summary = ref<StatsSummary>()
  const series = ref<SeriesView>()
  const range = ref<ChartRange>('24h')
  let subscribed = false

  const reloadSeries = debounce(() => void loadSeries().catch(() => undefined), 3000)

  async function loadSeries(): Promise<void> {
    if (!hasOperation('stats.series')) return
    const [byOutcome, byModel, bySubKey] = await Promise.all(
      (['outcome', 'model', 'subKey'] as const).map((groupBy) =>
        api.call('stats.series', { range: range.value, groupBy }),
      ),
    )
    series.value = toSeriesView(byOutcome!, byModel!, bySubKey!)
  }

  async function load(): Promise<void> {
    available.value = hasOperation('stats.summary')
    if (!available.value) return
    if (!subscribed) {
      subscribed = true
      api.on('stats.changed', (next) => {
        summary.value = next
        reloadSeries()
      })
    }
    const [next] = await Promise.all([api.call('stats.summary'), loadSeries()])
    summary.value = next
  }

  async function setRange(next: ChartRange): Promise<void> {
    range.value = next
    await loadSeries()
  }

  return { available, summary, series, range, load, loadSeries, setRange }
})
