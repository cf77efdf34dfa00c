import dayjs from 'dayjs'
import type { RequestOutcome, StatsSeries } from '../../../../../shared/contract'

export type ChartRange = '1h' | '24h' | '7d' | '30d'

/** What the dashboard's charts draw, from the `stats.series` answers. */
export interface SeriesView {
  times: string[]
  outcomes: { outcome: RequestOutcome; requests: number[] }[]
  p50: (number | null)[]
  p95: (number | null)[]
  topModels: { name: string; requests: number }[]
  topSubKeys: { name: string; requests: number }[]
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0)

function ranking(series: StatsSeries): { name: string; requests: number }[] {
  return series.groups
    .map((group) => ({ name: group.label, requests: sum(group.requests) }))
    .filter((row) => row.requests > 0)
    .sort((a, b) => b.requests - a.requests)
    .slice(0, 10)
}

function bucketLabel(iso: string, bucketSeconds: number): string {
  if (bucketSeconds < 3600) return dayjs(iso).format('HH:mm')
  if (bucketSeconds < 86_400) return dayjs(iso).format('MM-DD HH:00')
  return dayjs(iso).format('MM-DD')
}

/** Joins the by-outcome, by-model and by-sub-key series of one range into chart data. */
export function toSeriesView(
  byOutcome: StatsSeries,
  byModel: StatsSeries,
  bySubKey: StatsSeries,
): SeriesView {
  return {
    times: byOutcome.times.map((time) => bucketLabel(time, byOutcome.bucketSeconds)),
    outcomes: byOutcome.groups.map((group) => ({
      outcome: group.key as RequestOutcome,
      requests: group.requests,
    })),
    p50: byOutcome.latency.p50,
    p95: byOutcome.latency.p95,
    topModels: ranking(byModel),
    topSubKeys: ranking(bySubKey),
  }
}
