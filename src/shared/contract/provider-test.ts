import { z } from 'zod'
import { idSchema } from './common'
import { defineOperation } from './operation'

export const providerTestResultSchema = z.object({
  /** The base URL answered at all (any HTTP status). */
  reachable: z.boolean(),
  /** An active key of this provider listed the models. */
  ok: z.boolean(),
  status: z.number().int().nullable(),
  latencyMs: z.number(),
  models: z.number().int().nullable(),
  /** The key used, or null when the provider has no key yet (then only reachability is known). */
  keyId: z.number().int().nullable(),
  detail: z.string(),
})

export type ProviderTestResult = z.infer<typeof providerTestResultSchema>

export const providerTestOperations = {
  'providers.test': defineOperation({
    method: 'POST',
    path: '/api/providers/{id}/test',
    summary: 'Checks a provider: GET {baseUrl}/models with one of its active keys (free)',
    input: z.strictObject({ id: idSchema }),
    output: providerTestResultSchema,
  }),
}
