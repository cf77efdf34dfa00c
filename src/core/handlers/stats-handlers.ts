import type { OperationHandlers } from '../router/operation-router'
import type { StatsService } from '../usage/stats-service'

type StatsOperation =
  'stats.summary' | 'stats.series' | 'stats.keys' | 'stats.subKeys' | 'logs.list'

export const statsHandlers = (stats: StatsService): Pick<OperationHandlers, StatsOperation> => ({
  'stats.summary': () => stats.summary(),
  'stats.series': ({ range, groupBy }) => stats.series(range, groupBy),
  'stats.keys': ({ range, limit }) => stats.keyUsage(range, limit),
  'stats.subKeys': ({ range, limit }) => stats.subKeyUsage(range, limit),
  'logs.list': (input) => stats.logs(input),
})
