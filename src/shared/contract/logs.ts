import { z } from 'zod'
import { idSchema, isoDateTimeSchema, queryParam } from './common'
import { defineOperation } from './operation'
import { requestOutcomeSchema } from './stats'

export const MAX_LOG_PAGE_SIZE = 500

/** One proxied request as the log keeps it: what, who, which key, outcome, timing, tokens. */
export const requestLogEntrySchema = z.object({
  id: z.number().int(),
  /** When the request ended (its outcome and usage became known). */
  at: isoDateTimeSchema,
  subKeyId: z.number().int().nullable(),
  /** Null when the sub-key was deleted since. */
  subKeyName: z.string().nullable(),
  providerId: z.number().int().nullable(),
  /** The key of the last upstream attempt; null when none was tried. */
  keyId: z.number().int().nullable(),
  /** That key's label, else its masked form; null when none was tried or it was deleted since. */
  keyName: z.string().nullable(),
  model: z.string().nullable(),
  method: z.string(),
  /** The route without its query string, e.g. `/v1/chat/completions`. */
  endpoint: z.string(),
  /** The HTTP status the client received (499 when it left before any answer). */
  status: z.number().int(),
  outcome: requestOutcomeSchema,
  errorCode: z.string().nullable(),
  latencyMs: z.number().int().nonnegative(),
  ttfbMs: z.number().int().nonnegative().nullable(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  reasoningTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  streamed: z.boolean(),
  bytesOut: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
})
export type RequestLogEntry = z.infer<typeof requestLogEntrySchema>

export const logListInputSchema = z
  .strictObject({
    page: queryParam(z.coerce.number().int().min(1).max(100_000).default(1)),
    pageSize: queryParam(z.coerce.number().int().min(1).max(MAX_LOG_PAGE_SIZE).default(50)),
    subKeyId: queryParam(idSchema.optional()),
    keyId: queryParam(idSchema.optional()),
    providerId: queryParam(idSchema.optional()),
    model: queryParam(z.string().trim().min(1).max(200).optional()),
    outcome: queryParam(requestOutcomeSchema.optional()),
    status: queryParam(z.coerce.number().int().min(100).max(599).optional()),
    /** Inclusive lower and exclusive upper bound on `at`. */
    from: queryParam(isoDateTimeSchema.optional()),
    to: queryParam(isoDateTimeSchema.optional()),
  })
  .prefault({})
export type LogListInput = z.output<typeof logListInputSchema>

export const logPageSchema = z.object({
  items: z.array(requestLogEntrySchema),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
})
export type LogPage = z.infer<typeof logPageSchema>

export const logOperations = {
  'logs.list': defineOperation({
    method: 'GET',
    path: '/api/logs',
    summary: 'A page of the request log, newest first, filtered by sub-key, key, model, outcome',
    input: logListInputSchema,
    output: logPageSchema,
    queryAliases: {
      page_size: 'pageSize',
      sub_key_id: 'subKeyId',
      key_id: 'keyId',
      provider_id: 'providerId',
    },
  }),
}
