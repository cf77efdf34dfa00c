import { z } from 'zod'
import { emptyInputSchema } from './common'
import { defineOperation } from './operation'

export const systemStatusSchema = z.object({
  version: z.string(),
  /** How upstream keys are protected at rest; `warning` when weaker than an OS keychain. */
  keyProtection: z.object({
    backend: z.enum(['safe-storage', 'key-file', 'passphrase']),
    warning: z.string().nullable(),
  }),
  proxy: z.object({
    listening: z.boolean(),
    /** The OpenAI base URL clients use, e.g. `http://127.0.0.1:8327/v1`; null when stopped. */
    baseUrl: z.string().nullable(),
  }),
})

export type SystemStatus = z.infer<typeof systemStatusSchema>

export const systemOperations = {
  'system.status': defineOperation({
    method: 'GET',
    path: '/api/system/status',
    summary: 'Version, key protection at rest, and whether the proxy is listening',
    input: emptyInputSchema,
    output: systemStatusSchema,
  }),
}
