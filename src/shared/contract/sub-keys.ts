import { z } from 'zod'
import { deletedSchema, idSchema, isoDateTimeSchema } from './common'
import { defineOperation } from './operation'

export const MAX_MODEL_PATTERNS = 200
export const MAX_SUB_KEY_REQUESTS = 1_000_000_000
export const MAX_SUB_KEY_TOKENS = 1_000_000_000_000

const modelPatternSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}\s]+$/u, 'a model name or glob without spaces')

const modelListSchema = z.array(modelPatternSchema).max(MAX_MODEL_PATTERNS)

export const subKeyStatusSchema = z.enum(['active', 'expired', 'exhausted', 'disabled'])

/** A sub-key as lists show it: never the secret, only its display prefix and last 4. */
export const subKeySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  last4: z.string(),
  status: subKeyStatusSchema,
  enabled: z.boolean(),
  /** Requests left; null when unlimited. */
  remaining: z.number().int().nullable(),
  maxRequests: z.number().int().nullable(),
  expiresAt: isoDateTimeSchema.nullable(),
  allowModels: z.array(z.string()),
  denyModels: z.array(z.string()),
  providerId: z.number().int().nullable(),
  rpm: z.number().int().nullable(),
  tokenBudget: z.number().int().nullable(),
  tokensUsed: z.number().int(),
  requests: z.number().int(),
  lastUsedAt: isoDateTimeSchema.nullable(),
  createdAt: isoDateTimeSchema,
  note: z.string(),
})

export type SubKey = z.infer<typeof subKeySchema>

const subKeyFields = {
  name: z.string().trim().min(1).max(100),
  /** ISO date-time, or null for never. */
  expiresAt: isoDateTimeSchema.nullable(),
  /** Null = unlimited. Setting it resets the remaining count to this number. */
  maxRequests: z.number().int().min(1).max(MAX_SUB_KEY_REQUESTS).nullable(),
  tokenBudget: z.number().int().min(1).max(MAX_SUB_KEY_TOKENS).nullable(),
  rpm: z.number().int().min(1).max(1_000_000).nullable(),
  allowModels: modelListSchema,
  denyModels: modelListSchema,
  providerId: idSchema.nullable(),
  enabled: z.boolean(),
  note: z.string().max(1000),
}

export const subKeyCreateSchema = z.strictObject({
  name: subKeyFields.name,
  expiresAt: subKeyFields.expiresAt.optional().default(null),
  maxRequests: subKeyFields.maxRequests.optional().default(null),
  tokenBudget: subKeyFields.tokenBudget.optional().default(null),
  rpm: subKeyFields.rpm.optional().default(null),
  allowModels: subKeyFields.allowModels.optional().default([]),
  denyModels: subKeyFields.denyModels.optional().default([]),
  providerId: subKeyFields.providerId.optional().default(null),
  enabled: subKeyFields.enabled.optional().default(true),
  note: subKeyFields.note.optional().default(''),
})

export const subKeyUpdateSchema = z.strictObject({
  id: idSchema,
  name: subKeyFields.name.optional(),
  expiresAt: subKeyFields.expiresAt.optional(),
  maxRequests: subKeyFields.maxRequests.optional(),
  tokenBudget: subKeyFields.tokenBudget.optional(),
  rpm: subKeyFields.rpm.optional(),
  allowModels: subKeyFields.allowModels.optional(),
  denyModels: subKeyFields.denyModels.optional(),
  providerId: subKeyFields.providerId.optional(),
  enabled: subKeyFields.enabled.optional(),
  note: subKeyFields.note.optional(),
})

export type SubKeyCreate = z.output<typeof subKeyCreateSchema>
export type SubKeyUpdate = z.output<typeof subKeyUpdateSchema>

/** The one answer that carries a secret: shown once, never stored or listed. */
const issuedSchema = z.object({ subKey: subKeySchema, secret: z.string() })

export const subKeyOperations = {
  'subKeys.list': defineOperation({
    method: 'GET',
    path: '/api/sub-keys',
    summary: 'List sub-keys (never their secrets)',
    input: z.strictObject({}).optional().default({}),
    output: z.array(subKeySchema),
  }),
  'subKeys.create': defineOperation({
    method: 'POST',
    path: '/api/sub-keys',
    summary: 'Issue a sub-key; the secret is in this answer only',
    input: subKeyCreateSchema,
    output: issuedSchema,
  }),
  'subKeys.update': defineOperation({
    method: 'PATCH',
    path: '/api/sub-keys/{id}',
    summary: 'Edit a sub-key’s name, limits, model policy, provider or switch',
    input: subKeyUpdateSchema,
    output: subKeySchema,
  }),
  'subKeys.delete': defineOperation({
    method: 'DELETE',
    path: '/api/sub-keys/{id}',
    summary: 'Delete a sub-key; its secret stops working at once',
    input: z.strictObject({ id: idSchema }),
    output: deletedSchema,
  }),
  'subKeys.regenerate': defineOperation({
    method: 'POST',
    path: '/api/sub-keys/{id}/regenerate',
    summary: 'Replace the secret; the old one stops working at once',
    input: z.strictObject({ id: idSchema }),
    output: issuedSchema,
  }),
  'subKeys.topUp': defineOperation({
    method: 'POST',
    path: '/api/sub-keys/{id}/top-up',
    summary: 'Add requests to a limited sub-key (remaining and limit both grow)',
    input: z.strictObject({
      id: idSchema,
      requests: z.number().int().min(1).max(MAX_SUB_KEY_REQUESTS),
    }),
    output: subKeySchema,
  }),
  'subKeys.extend': defineOperation({
    method: 'POST',
    path: '/api/sub-keys/{id}/extend',
    summary: 'Push the expiry back by some seconds (from now when already expired)',
    input: z.strictObject({
      id: idSchema,
      seconds: z
        .number()
        .int()
        .min(60)
        .max(10 * 366 * 86_400),
    }),
    output: subKeySchema,
  }),
}
