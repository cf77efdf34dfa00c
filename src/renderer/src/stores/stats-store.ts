import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { StatsSummary } from '../../../shared/contract'
import { api } from '../api'
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
  const summary = ref<StatsSummary>()
  const series = ref<SeriesView>()
  const range = ref<ChartRange>('24h')
  let subscribed = false

  const reloadSeries = debounce(() => void loadSeries().catch(() => undefined), 3000)

  async function loadSeries(): Promise<void> {
    const [byOutcome, byModel, bySubKey] = await Promise.all(
      (['outcome', 'model', 'subKey'] as const).map((groupBy) =>
        api.call('stats.series', { range: range.value, groupBy }),
      ),
    )
    series.value = toSeriesView(byOutcome!, byModel!, bySubKey!)
  }

  async function load(): Promise<void> {
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

  return { summary, series, range, load, loadSeries, setRange }
})
