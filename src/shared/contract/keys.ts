import { z } from 'zod'
import { keyStates } from '../key-state'
import { deletedSchema, idSchema, isoDateTimeSchema, queryParam } from './common'
import { defineOperation } from './operation'

export const keyStateSchema = z.enum(keyStates)

/** Page sizes the UI offers; any size from 1 to the largest is accepted. */
export const keyPageSizes = [20, 50, 100, 500] as const
export const MAX_KEY_PAGE_SIZE = 500
/** 100,000 keys of ~60 characters is ~6 MB; the admin body limit is 64 MiB. */
export const MAX_KEY_TEXT_LENGTH = 48 * 1024 * 1024
export const MAX_KEYS_PER_BATCH = 200_000
export const MAX_IDS_PER_CALL = 10_000
export const MAX_KEY_LABEL_LENGTH = 128
export const MAX_KEY_WEIGHT = 1000

const noControlCharacters = /^[^\p{Cc}]*$/u

export const keyLabelSchema = z
  .string()
  .trim()
  .max(MAX_KEY_LABEL_LENGTH)
  .regex(noControlCharacters, 'a label without control characters')

export const keyWeightSchema = z.number().int().min(1).max(MAX_KEY_WEIGHT)

export const keySortSchema = z.enum([
  'createdAt',
  'lastUsedAt',
  'requests',
  'failures',
  'label',
  'state',
])
export const sortOrderSchema = z.enum(['asc', 'desc'])

/** An upstream key as every list shows it: masked, never the secret. */
export const upstreamKeySchema = z.object({
  id: z.number().int(),
  providerId: z.number().int(),
  label: z.string(),
  /** A display form such as `sk-…abcd`: a short prefix and the last 4 characters. */
  masked: z.string(),
  last4: z.string(),
  state: keyStateSchema,
  stateReason: z.string().nullable(),
  cooldownUntil: isoDateTimeSchema.nullable(),
  weight: z.number().int(),
  requests: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  consecutiveFailures: z.number().int(),
  tokens: z.number().int(),
  lastUsedAt: isoDateTimeSchema.nullable(),
  lastError: z.string().nullable(),
  createdAt: isoDateTimeSchema,
  /** The key's capability map; null = not known yet (any model is accepted). */
  models: z.array(z.string()).nullable(),
})

export type UpstreamKey = z.infer<typeof upstreamKeySchema>
export type KeySort = z.infer<typeof keySortSchema>

export const keyPageSchema = z.object({
  items: z.array(upstreamKeySchema),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
})

export type KeyPage = z.infer<typeof keyPageSchema>

/** Filters shared by the list and the export. */
const keyFilterFields = {
  status: queryParam(keyStateSchema.optional()),
  providerId: queryParam(idSchema.optional()),
  /** Part of a label, or the last 4 characters (a pasted `sk-…abcd` works too). */
  q: queryParam(z.string().trim().max(200).optional()),
}

export const keyListInputSchema = z
  .strictObject({
    page: queryParam(z.coerce.number().int().min(1).max(1_000_000).default(1)),
    pageSize: queryParam(z.coerce.number().int().min(1).max(MAX_KEY_PAGE_SIZE).default(20)),
    ...keyFilterFields,
    sort: queryParam(keySortSchema.default('createdAt')),
    order: queryParam(sortOrderSchema.default('desc')),
  })
  .prefault({})

export type KeyListInput = z.output<typeof keyListInputSchema>
export type KeyFilter = Pick<KeyListInput, 'status' | 'providerId' | 'q'>

export const keyAddResultSchema = z.object({
  added: z.number().int().nonnegative(),
  /** Already in the batch, or already stored for that provider. */
  duplicates: z.number().int().nonnegative(),
  /** Lines that do not look like a key (8–512 printable characters without spaces). */
  malformed: z.number().int().nonnegative(),
})

export type KeyAddResult = z.infer<typeof keyAddResultSchema>

export const keyImportFormatSchema = z.enum(['txt', 'csv', 'json'])
export type KeyImportFormat = z.infer<typeof keyImportFormatSchema>

export const keyExportFormatSchema = z.enum(['json', 'csv'])

export const keyExportSchema = z.object({
  format: keyExportFormatSchema,
  filename: z.string(),
  count: z.number().int().nonnegative(),
  /** The masked list as JSON or CSV text; never a secret. */
  content: z.string(),
})

export const keyTransitionSchema = z.object({
  id: z.number().int(),
  keyId: z.number().int(),
  at: isoDateTimeSchema,
  from: keyStateSchema,
  to: keyStateSchema,
  reason: z.string(),
  httpStatus: z.number().int().nullable(),
  message: z.string().nullable(),
})

export type KeyTransitionEntry = z.infer<typeof keyTransitionSchema>

const idListSchema = z.array(idSchema).min(1).max(MAX_IDS_PER_CALL)
const userStatusSchema = z.enum(['active', 'disabled'])

export const keyOperations = {
  'keys.list': defineOperation({
    method: 'GET',
    path: '/api/keys/paginated',
    summary: 'A page of masked keys, filtered by state, provider or search, and sorted',
    input: keyListInputSchema,
    output: keyPageSchema,
    queryAliases: { page_size: 'pageSize', provider_id: 'providerId' },
  }),
  'keys.bulkAdd': defineOperation({
    method: 'POST',
    path: '/api/keys/bulk',
    summary: 'Add keys from text: one per line, optional "key,label"; blank and # lines skipped',
    input: z.strictObject({
      keys: z.string().max(MAX_KEY_TEXT_LENGTH),
      providerId: idSchema.optional(),
    }),
    output: keyAddResultSchema,
  }),
  'keys.import': defineOperation({
    method: 'POST',
    path: '/api/keys/import',
    summary: 'Add keys from a .txt, .csv (key,label[,weight]) or .json file',
    input: z.strictObject({
      format: keyImportFormatSchema,
      content: z.string().max(MAX_KEY_TEXT_LENGTH),
      providerId: idSchema.optional(),
    }),
    output: keyAddResultSchema,
  }),
  'keys.export': defineOperation({
    method: 'GET',
    path: '/api/keys/export',
    summary: 'The masked key list as JSON or CSV (never the secrets)',
    input: z
      .strictObject({
        format: queryParam(keyExportFormatSchema.default('json')),
        ...keyFilterFields,
      })
      .prefault({}),
    output: keyExportSchema,
    queryAliases: { provider_id: 'providerId' },
  }),
  'keys.update': defineOperation({
    method: 'PATCH',
    path: '/api/keys/{id}',
    summary: "Change a key's label, weight or provider",
    input: z.strictObject({
      id: idSchema,
      label: keyLabelSchema.optional(),
      weight: keyWeightSchema.optional(),
      providerId: idSchema.optional(),
    }),
    output: upstreamKeySchema,
  }),
  'keys.delete': defineOperation({
    method: 'DELETE',
    path: '/api/keys/{id}',
    summary: 'Delete one key',
    input: z.strictObject({ id: idSchema }),
    output: deletedSchema,
  }),
  'keys.deleteMany': defineOperation({
    method: 'POST',
    path: '/api/keys/delete',
    summary: 'Delete a selection of keys',
    input: z.strictObject({ ids: idListSchema }),
    output: deletedSchema,
  }),
  'keys.setStatus': defineOperation({
    method: 'PUT',
    path: '/api/keys/{id}/status',
    summary: 'Enable (back to active, cooldown cleared) or disable a key',
    input: z.strictObject({ id: idSchema, status: userStatusSchema }),
    output: upstreamKeySchema,
  }),
  'keys.setStatusMany': defineOperation({
    method: 'POST',
    path: '/api/keys/status',
    summary: 'Enable or disable a selection of keys',
    input: z.strictObject({ ids: idListSchema, status: userStatusSchema }),
    output: z.object({ changed: z.number().int().nonnegative() }),
  }),
  'keys.resetInvalid': defineOperation({
    method: 'POST',
    path: '/api/keys/reset_invalid',
    summary: 'Put every invalid and exhausted key back to active',
    input: z.strictObject({ providerId: idSchema.optional() }).prefault({}),
    output: z.object({ count: z.number().int().nonnegative() }),
  }),
  'keys.transitions': defineOperation({
    method: 'GET',
    path: '/api/keys/{id}/transitions',
    summary: "A key's recent state changes, newest first",
    input: z.strictObject({
      id: idSchema,
      limit: queryParam(z.coerce.number().int().min(1).max(500).default(50)),
    }),
    output: z.array(keyTransitionSchema),
  }),
}
