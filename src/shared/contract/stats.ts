import { z } from 'zod'
import { isoDateTimeSchema, queryParam } from './common'
import { defineOperation } from './operation'

/**
 * How a proxied request ended, as the log, the roll-ups and the charts group it. `cancelled` is
 * a client that left before the end (not an error of the pool); `rate_limited` is any 429.
 */
export const requestOutcomes = [
  'success',
  'client_error',
  'rate_limited',
  'upstream_error',
  'cancelled',
] as const
export const requestOutcomeSchema = z.enum(requestOutcomes)
export type RequestOutcome = z.infer<typeof requestOutcomeSchema>

const count = z.number().int().nonnegative()

/** One figure over the summary's sliding windows, each ending now. */
export const statWindowsSchema = z.object({
  lastMinute: count,
  lastHour: count,
  last24h: count,
  total: count,
})
export type StatWindows = z.infer<typeof statWindowsSchema>

const rate = z.number().min(0).max(1).nullable()

/** Upstream keys per state (SPEC §2.1); `total` includes every state. */
export const keyStateCountsSchema = z.object({
  active: count,
  cooling: count,
  exhausted: count,
  invalid: count,
  disabled: count,
  total: count,
})

/**
 * `GET /api/stats` (SPEC §6). `errors` counts every outcome but success and cancelled;
 * `successRate` = successes / (successes + errors), null without such requests.
 */
export const statsSummarySchema = z.object({
  requests: statWindowsSchema,
  errors: statWindowsSchema,
  tokens: statWindowsSchema,
  keys: keyStateCountsSchema,
  successRate: z.object({ lastMinute: rate, lastHour: rate, last24h: rate, total: rate }),
  /** Keys a request can be routed to now (`active`). */
  usableKeys: count,
})
export type StatsSummary = z.infer<typeof statsSummarySchema>

export const statsRanges = ['1h', '24h', '7d', '30d', '90d'] as const
export const statsRangeSchema = z.enum(statsRanges)
export type StatsRange = z.infer<typeof statsRangeSchema>

export const statsGroupBySchema = z.enum(['outcome', 'model', 'key', 'subKey'])
export type StatsGroupBy = z.infer<typeof statsGroupBySchema>

/** Most groups a series carries; the rest are summed into a group keyed `other`. */
export const MAX_SERIES_GROUPS = 10

const ints = z.array(count)
const millis = z.array(z.number().nonnegative().nullable())

/**
 * Chart data: per minute for 1 h, per hour for 24 h and 7 d, per day (UTC) for 30 and 90 d. Every
 * array is aligned with `times` (each bucket's start, oldest first, the current bucket last).
 * Latency is of successful requests, estimated from a histogram (about ±10 %).
 */
export const statsSeriesSchema = z.object({
  range: statsRangeSchema,
  groupBy: statsGroupBySchema,
  bucketSeconds: z.number().int().positive(),
  times: z.array(isoDateTimeSchema),
  groups: z.array(
    z.object({
      /** The outcome, model name, key id or sub-key id; `other` for the groups left out. */
      key: z.string(),
      label: z.string(),
      requests: ints,
      errors: ints,
      tokens: ints,
    }),
  ),
  totals: z.object({ requests: ints, errors: ints, tokens: ints }),
  latency: z.object({ p50: millis, p95: millis, avg: millis }),
})
export type StatsSeries = z.infer<typeof statsSeriesSchema>

export const usageRanges = ['24h', '7d', '30d', '90d', 'all'] as const
export const usageRangeSchema = z.enum(usageRanges)
export type UsageRange = z.infer<typeof usageRangeSchema>

export const tokenCountsSchema = z.object({
  prompt: count,
  completion: count,
  cached: count,
  reasoning: count,
  total: count,
})
export type TokenCounts = z.infer<typeof tokenCountsSchema>

const usageFields = {
  requests: count,
  successes: count,
  errors: count,
  tokens: tokenCountsSchema,
}

/** One upstream key's traffic over a range, with its all-time counters from the key itself. */
export const keyUsageSchema = z.object({
  keyId: z.number().int(),
  /** Null when the key was deleted since. */
  label: z.string().nullable(),
  masked: z.string().nullable(),
  providerId: z.number().int().nullable(),
  state: z.string().nullable(),
  ...usageFields,
  lastUsedAt: isoDateTimeSchema.nullable(),
  failures: count,
  lastError: z.string().nullable(),
})
export type KeyUsage = z.infer<typeof keyUsageSchema>

/** One sub-key's traffic over a range, split by model (SPEC §3 "per sub-key usage"). */
export const subKeyUsageSchema = z.object({
  subKeyId: z.number().int(),
  /** Null when the sub-key was deleted since. */
  name: z.string().nullable(),
  ...usageFields,
  lastUsedAt: isoDateTimeSchema.nullable(),
  models: z.array(z.object({ model: z.string(), requests: count, tokens: count })),
})
export type SubKeyUsage = z.infer<typeof subKeyUsageSchema>

const usageInput = z
  .strictObject({
    range: queryParam(usageRangeSchema.default('24h')),
    limit: queryParam(z.coerce.number().int().min(1).max(1000).default(50)),
  })
  .prefault({})

export const statsOperations = {
  'stats.summary': defineOperation({
    method: 'GET',
    path: '/api/stats',
    summary: 'Requests, errors and tokens in the last minute, hour, 24 h and in total; pool counts',
    input: z.strictObject({}).optional().default({}),
    output: statsSummarySchema,
  }),
  'stats.series': defineOperation({
    method: 'GET',
    path: '/api/stats/series',
    summary: 'Chart series over a range, grouped by outcome, model, key or sub-key, with latency',
    input: z
      .strictObject({
        range: queryParam(statsRangeSchema.default('24h')),
        groupBy: queryParam(statsGroupBySchema.default('outcome')),
      })
      .prefault({}),
    output: statsSeriesSchema,
    queryAliases: { group_by: 'groupBy' },
  }),
  'stats.keys': defineOperation({
    method: 'GET',
    path: '/api/stats/keys',
    summary: 'The busiest upstream keys over a range: requests, outcomes, tokens by type',
    input: usageInput,
    output: z.array(keyUsageSchema),
  }),
  'stats.subKeys': defineOperation({
    method: 'GET',
    path: '/api/stats/sub-keys',
    summary: 'Usage per sub-key over a range: requests, outcomes, tokens, by model',
    input: usageInput,
    output: z.array(subKeyUsageSchema),
  }),
}
