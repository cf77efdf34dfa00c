import { z } from 'zod'

/** Database ids are positive integers; HTTP path and query values arrive as strings. */
export const idSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)

/** An input with no fields: `{}` or nothing at all. Unknown fields are rejected. */
export const emptyInputSchema = z.strictObject({}).optional().default({})

/**
 * zod's pattern allows any number of fraction digits, so without a cap a date could be megabytes
 * long (SECURITY.md I1: every input string has a length cap).
 */
export const isoDateTimeSchema = z.iso.datetime({ offset: true }).max(64)

export const deletedSchema = z.object({ deleted: z.number().int().nonnegative() })

/**
 * A query-string field: an empty value (`?status=`) means "not given", as browsers and forms
 * send it, instead of failing validation.
 */
export function queryParam<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema)
}
