import { z } from 'zod'
import { emptyInputSchema, idSchema } from './common'
import { MAX_IDS_PER_CALL } from './keys'
import { defineOperation } from './operation'

/**
 * Which keys to validate (SPEC §2.3, the seed's `POST /api/validate_keys`): `invalid` = the dead
 * ones (`invalid` and `exhausted`), `all` = every key but the disabled ones, or a selection of ids
 * (disabled ones included: their model list is refreshed, their state is the user's).
 */
export const validationScopeSchema = z.union([
  z.enum(['invalid', 'all']),
  z.array(idSchema).min(1).max(MAX_IDS_PER_CALL),
])

export type ValidationScope = z.infer<typeof validationScopeSchema>

/**
 * Where a validation run stands. `done` = `active + invalid + exhausted + cooling + unknown`,
 * each counting what the upstream answered (not necessarily the key's state: a disabled key that
 * answers 200 counts as `active`). `unknown` = a 5xx, a network error, or an answer that says
 * nothing about the key (404 on a provider without `/models`).
 */
export const validationProgressSchema = z.object({
  runId: z.string(),
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  exhausted: z.number().int().nonnegative(),
  cooling: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative(),
  finished: z.boolean(),
  cancelled: z.boolean(),
})

export type ValidationProgress = z.infer<typeof validationProgressSchema>

export const validationOperations = {
  'keys.validate': defineOperation({
    method: 'POST',
    path: '/api/validate_keys',
    summary:
      'Validate keys in the background; answers at once. One run at a time: while one runs, ' +
      'the keys asked for join it and its id is answered (joined: true)',
    input: z.strictObject({
      scope: validationScopeSchema,
      providerId: idSchema.optional(),
    }),
    output: z.object({
      runId: z.string(),
      /** Keys in the run so far (for a joined run, the ones already in it included). */
      total: z.number().int().nonnegative(),
      joined: z.boolean(),
    }),
  }),
  'keys.validateCancel': defineOperation({
    method: 'POST',
    path: '/api/validate_keys/cancel',
    summary: 'Cancel the running validation (or only the given run); checks in flight are dropped',
    input: z.strictObject({ runId: z.string().max(100).optional() }).prefault({}),
    output: z.object({ cancelled: z.boolean(), runId: z.string().nullable() }),
  }),
  'keys.validationStatus': defineOperation({
    method: 'GET',
    path: '/api/validate_keys',
    summary: 'The running (or last) validation run, or null when none ran since the start',
    input: emptyInputSchema,
    output: validationProgressSchema.nullable(),
  }),
}
