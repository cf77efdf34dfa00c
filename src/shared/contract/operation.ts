import type { z } from 'zod'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * One management operation, declared once and served by both transports (IPC and HTTP).
 *
 * The HTTP adapter builds the operation's input from path parameters (`{id}` in `path`), the
 * query string (GET/DELETE) and the JSON body (POST/PUT/PATCH), then validates it with `input`.
 */
export interface OperationDefinition<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> {
  readonly method: HttpMethod
  /** Absolute HTTP path, `{name}` marks a path parameter. */
  readonly path: string
  readonly summary: string
  readonly input: I
  readonly output: O
  /** Query-string names that map to other input fields (the seed API uses `page_size`). */
  readonly queryAliases?: Readonly<Record<string, string>>
}

/** Declares an operation; the identity function exists to keep each declaration's exact types. */
export function defineOperation<I extends z.ZodType, O extends z.ZodType>(
  definition: OperationDefinition<I, O>,
): OperationDefinition<I, O> {
  return definition
}
