import type { z } from 'zod'
import {
  contract,
  isOperationName,
  type OperationName,
  type OperationOutput,
  type OperationParsedInput,
} from '../../shared/contract'
import type { ApiIssue, Envelope } from '../../shared/errors'
import { AppError } from '../errors'
import type { Logger } from '../logger'

/** Who is calling; handlers may use it for audit, never for authorization decisions alone. */
export interface CallContext {
  transport: 'ipc' | 'http' | 'internal'
}

/** One handler per operation. A missing or mistyped handler is a compile error. */
export type OperationHandlers = {
  [N in OperationName]: (
    input: OperationParsedInput<N>,
    context: CallContext,
  ) => OperationOutput<N> | Promise<OperationOutput<N>>
}

const MAX_ISSUES = 20

/**
 * Validates input against the contract, calls the handler and wraps the outcome in an envelope.
 * The output is parsed too: fields not declared in the contract are stripped, so an internal
 * field (a ciphertext, a hash) cannot leak through a management result by accident.
 */
export class OperationRouter {
  constructor(
    private readonly handlers: OperationHandlers,
    private readonly logger: Logger,
  ) {}

  async call(name: unknown, input: unknown, context: CallContext): Promise<Envelope<unknown>> {
    if (!isOperationName(name)) {
      return failure('unknown_operation', 'There is no such operation')
    }
    const definition = contract[name]
    const parsed = safeParse(definition.input, input)
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'invalid_input',
          message: `Invalid input for ${name}`,
          issues: toIssues(parsed.error),
        },
      }
    }
    try {
      const handler = this.handlers[name] as (
        input: unknown,
        context: CallContext,
      ) => unknown | Promise<unknown>
      const result = await handler(parsed.data, context)
      const output = (definition.output as z.ZodType).safeParse(result)
      if (!output.success) {
        this.logger.error('operation produced output outside its contract', {
          operation: name,
          issues: toIssues(output.error),
        })
        return failure('internal_error', 'The operation failed')
      }
      return { ok: true, data: output.data }
    } catch (error) {
      if (error instanceof AppError) {
        return {
          ok: false,
          error: {
            code: error.code,
            message: error.message,
            ...(error.issues && { issues: error.issues }),
          },
        }
      }
      if (isMissingReference(error)) {
        return {
          ok: false,
          error: { code: 'not_found', message: 'A record this input refers to does not exist' },
        }
      }
      this.logger.error('operation failed', {
        operation: name,
        error: error instanceof Error ? error.name : typeof error,
      })
      return failure('internal_error', 'The operation failed')
    }
  }
}

/**
 * A foreign key the store refused: the input names a record (a provider id…) that does not
 * exist, or no longer does. The caller's error, not the server's (SECURITY.md I1: no 500 for any
 * input); a handler that checks first gives a more precise message.
 */
function isMissingReference(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** A schema that throws (a bug in a refinement) must not take the caller down with it. */
function safeParse(schema: z.ZodType, input: unknown): ReturnType<z.ZodType['safeParse']> {
  try {
    return schema.safeParse(input)
  } catch {
    return schema.safeParse(Symbol('unparseable'))
  }
}

function failure(code: 'unknown_operation' | 'internal_error', message: string): Envelope<never> {
  return { ok: false, error: { code, message } }
}

/** Issue paths and messages only: zod's `input` echo is dropped so no secret is reflected. */
function toIssues(error: z.ZodError): ApiIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : issue.message,
  }))
}

/** What a field name of the contract looks like: letters and `_`, short (no digits, no `-`). */
const FIELD_LIKE = /^[A-Za-z_]{1,40}$/

/**
 * zod names unknown keys in its message, and a key is client text: a secret pasted as a field
 * name (`{"sk-…": "label"}`) would come straight back (SECURITY.md S3). Only names that look
 * like field names are repeated; the others are counted.
 */
function unknownFields(keys: readonly string[]): string {
  const shown = keys.filter((key) => FIELD_LIKE.test(key)).slice(0, 5)
  const hidden = keys.length - shown.length
  const names = shown.map((key) => `"${key}"`)
  if (hidden > 0) names.push(`${hidden} other${hidden === 1 ? '' : 's'} not shown`)
  return `Unrecognized field${keys.length === 1 ? '' : 's'}: ${names.join(', ')}`
}
