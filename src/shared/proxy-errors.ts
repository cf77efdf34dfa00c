/**
 * The errors the local proxy answers on `/v1/*`, in OpenAI's shape so that every OpenAI SDK and
 * tool shows them as it shows the real API's. Codes are stable (SPEC §4): clients and the UI may
 * branch on them. `type` mirrors what OpenAI itself sends for the same situation, so SDKs that
 * look at it (retry on `server_error`, stop on `insufficient_quota`) behave the same.
 */
export const proxyErrors = {
  invalid_sub_key: { status: 401, type: 'invalid_request_error', message: 'Invalid sub-key' },
  sub_key_expired: { status: 401, type: 'invalid_request_error', message: 'Sub-key has expired' },
  sub_key_disabled: { status: 403, type: 'invalid_request_error', message: 'Sub-key is disabled' },
  sub_key_exhausted: {
    status: 429,
    type: 'insufficient_quota',
    message: 'Sub-key has no requests left',
  },
  token_budget_exhausted: {
    status: 429,
    type: 'insufficient_quota',
    message: 'Sub-key has used its token budget',
  },
  model_not_allowed: {
    status: 403,
    type: 'invalid_request_error',
    message: 'This sub-key may not use this model',
  },
  rate_limited: { status: 429, type: 'requests', message: 'Sub-key requests-per-minute exceeded' },
  no_available_key: {
    status: 503,
    type: 'server_error',
    message: 'No upstream key is available right now',
  },
  upstream_unreachable: {
    status: 502,
    type: 'server_error',
    message: 'The upstream API could not be reached',
  },
  upstream_timeout: {
    status: 504,
    type: 'server_error',
    message: 'The upstream API did not answer in time',
  },
  request_too_large: {
    status: 413,
    type: 'invalid_request_error',
    message: 'Request body is too large',
  },
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'Invalid request' },
  method_not_allowed: {
    status: 405,
    type: 'invalid_request_error',
    message: 'This HTTP method is not supported by the proxy',
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Unsupported Content-Type',
  },
  too_many_requests: {
    status: 503,
    type: 'server_error',
    message: 'The proxy is handling too many requests; retry shortly',
  },
  forbidden: { status: 403, type: 'invalid_request_error', message: 'Forbidden' },
  internal_error: {
    status: 500,
    type: 'server_error',
    message: 'The proxy failed to handle this request',
  },
} as const satisfies Record<string, { status: number; type: string; message: string }>

export type ProxyErrorCode = keyof typeof proxyErrors

/** The JSON body of every proxy error. */
export interface ProxyErrorBody {
  error: { message: string; type: string; param: string | null; code: ProxyErrorCode }
}

export function isProxyErrorCode(value: unknown): value is ProxyErrorCode {
  return typeof value === 'string' && Object.hasOwn(proxyErrors, value)
}

export function proxyErrorStatus(code: ProxyErrorCode): number {
  return proxyErrors[code].status
}

/**
 * The OpenAI-shaped body for `code`. The message must already be safe to show: callers pass
 * fixed text or redacted text, never an upstream body or a header value (SECURITY.md S3).
 */
export function proxyErrorBody(
  code: ProxyErrorCode,
  message: string = proxyErrors[code].message,
  param: string | null = null,
): ProxyErrorBody {
  return { error: { message, type: proxyErrors[code].type, param, code } }
}

/**
 * The SSE event that ends a stream which failed after its first byte reached the client: a retry
 * is no longer possible (SPEC §4), and OpenAI SDKs raise an `error` found in a data line.
 */
export function proxyErrorEvent(code: ProxyErrorCode, message?: string): string {
  return `data: ${JSON.stringify(proxyErrorBody(code, message))}\n\n`
}

/**
 * An expected proxy failure, thrown by the request-path building blocks and turned into a
 * response in one place. `retryAfterSeconds` becomes the `Retry-After` header (`rate_limited`,
 * `no_available_key`, `too_many_requests`).
 */
export class ProxyError extends Error {
  readonly status: number

  constructor(
    readonly code: ProxyErrorCode,
    message: string = proxyErrors[code].message,
    readonly param: string | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message)
    this.name = 'ProxyError'
    this.status = proxyErrors[code].status
  }

  toBody(): ProxyErrorBody {
    return proxyErrorBody(this.code, this.message, this.param)
  }
}
