import { z } from 'zod'
import { defineOperation } from './operation'

export const connectionStepSchema = z.object({
  step: z.enum(['models', 'chat', 'stream']),
  ok: z.boolean(),
  status: z.number().int().nullable(),
  latencyMs: z.number(),
  /** What came back: a model count, the reply, or the error code and message. */
  detail: z.string(),
})

export type ConnectionStep = z.infer<typeof connectionStepSchema>

export const connectionTestOperations = {
  'subKeys.testConnection': defineOperation({
    method: 'POST',
    path: '/api/sub-keys/test-connection',
    summary:
      'Runs models, a chat and a streamed chat through the proxy with a sub-key (uses a few tokens)',
    input: z.strictObject({ secret: z.string().min(10).max(200) }),
    output: z.object({ steps: z.array(connectionStepSchema) }),
  }),
}
