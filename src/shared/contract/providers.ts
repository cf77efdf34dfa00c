import { z } from 'zod'
import { defineOperation } from './operation'
import { deletedSchema, emptyInputSchema, idSchema } from './common'

export const DEFAULT_PROVIDER_BASE_URL = 'https://api.openai.com/v1'

/** An http(s) base URL without credentials, query or fragment; a trailing slash is dropped. */
export const baseUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .refine((value) => {
    if (!URL.canParse(value)) return false
    const url = new URL(value)
    return !url.username && !url.password && !url.search && !url.hash
  }, 'a base URL without credentials, query or fragment')
  .transform((value) => value.replace(/\/+$/, ''))

const providerNameSchema = z.string().trim().min(1).max(64)

export const providerSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  baseUrl: z.string(),
  enabled: z.boolean(),
})

export type Provider = z.infer<typeof providerSchema>

export const providerCreateSchema = z.strictObject({
  name: providerNameSchema,
  baseUrl: baseUrlSchema,
  enabled: z.boolean().optional().default(true),
})

export const providerUpdateSchema = z.strictObject({
  id: idSchema,
  name: providerNameSchema.optional(),
  baseUrl: baseUrlSchema.optional(),
  enabled: z.boolean().optional(),
})

export const providerOperations = {
  'providers.list': defineOperation({
    method: 'GET',
    path: '/api/providers',
    summary: 'List providers',
    input: emptyInputSchema,
    output: z.array(providerSchema),
  }),
  'providers.create': defineOperation({
    method: 'POST',
    path: '/api/providers',
    summary: 'Add an OpenAI-compatible provider',
    input: providerCreateSchema,
    output: providerSchema,
  }),
  'providers.update': defineOperation({
    method: 'PATCH',
    path: '/api/providers/{id}',
    summary: 'Rename, re-point or enable/disable a provider',
    input: providerUpdateSchema,
    output: providerSchema,
  }),
  'providers.delete': defineOperation({
    method: 'DELETE',
    path: '/api/providers/{id}',
    summary: 'Delete a provider and its keys (the last provider cannot be deleted)',
    input: z.strictObject({ id: idSchema }),
    output: deletedSchema,
  }),
}
