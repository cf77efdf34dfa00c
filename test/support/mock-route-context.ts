import type { MockExchange } from './mock-exchange'

/** A file uploaded to the mock's `/v1/files`. */
export interface MockStoredFile {
  id: string
  filename: string
  purpose: string
  createdAt: number
  content: Buffer
}

/** What an endpoint handler gets: the exchange, the parsed request and the mock's state. */
export interface RouteContext {
  exchange: MockExchange
  /** The JSON body ({} when the route takes no JSON). */
  json: Record<string, unknown>
  /** The multipart form, for multipart routes. */
  form: FormData | undefined
  /** Captures of the route pattern (e.g. a file id). */
  params: string[]
  key: string
  /** Completion pieces (= completion tokens) per answer. */
  streamChunks: number
  modelsFor(key: string): readonly string[]
  files: Map<string, MockStoredFile>
  batches: Map<string, Record<string, unknown>>
}

/** Where a route's input comes from; the dispatcher rejects malformed bodies with a 400. */
export type RouteBody = 'json' | 'multipart' | 'none'

export interface MockRoute {
  method: string
  pattern: RegExp
  body: RouteBody
  handler: (context: RouteContext) => Promise<void> | void
}

/** Seconds since epoch, the unit of every `created` field. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** The request's `model`, or a 400 worded like OpenAI's and undefined. */
export function requireModel(context: RouteContext): string | undefined {
  const model = context.exchange.record.model
  if (model) return model
  context.exchange.sendError(
    400,
    'you must provide a model parameter',
    'invalid_request_error',
    null,
    'model',
  )
  return undefined
}

/** A 400 for a missing required field, as OpenAI words it. */
export function sendMissingParameter(context: RouteContext, name: string): void {
  context.exchange.sendError(
    400,
    `Missing required parameter: '${name}'.`,
    'invalid_request_error',
    'missing_required_parameter',
    name,
  )
}
