import http from 'node:http'

/**
 * An answer the listener gives on its own, before any route sees the request: a request Node's
 * parser refused (malformed, smuggling-shaped, headers too large or too slow) or one that breaks
 * a listener rule (one Host header, a bounded number of headers). The body is in OpenAI's error
 * shape, which also carries the admin API's `{error:{code,message}}`, so a client of either gets
 * an error it can read (SECURITY.md I2).
 */
export interface ListenerRefusal {
  status: number
  code: (typeof listenerRefusalCodes)[number]
  message: string
}

/** The `code` of every listener refusal (beside the proxy's and the admin API's codes). */
export const listenerRefusalCodes = [
  'invalid_request',
  'request_timeout',
  'request_too_large',
  'request_header_fields_too_large',
  'method_not_allowed',
  'expectation_failed',
] as const

/** Most request headers accepted; a real client sends a few dozen at most. */
export const MAX_REQUEST_HEADERS = 100

const framingCodes = new Set([
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_INVALID_CONTENT_LENGTH',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
])

/**
 * The refusal for an error of Node's HTTP parser (`clientError`). Messages are fixed text: the
 * parser's own reason is not echoed, only its constant code, so nothing a client sent comes back.
 */
export function refusalForParseError(error: unknown): ListenerRefusal {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? ''
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return headersTooLarge('The request headers are too large or too many')
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'request_too_large', message: 'Chunk extensions are too large' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'request_timeout',
        message: 'The request headers did not arrive in time',
      }
  }
  if (framingCodes.has(code)) {
    return invalidRequest(
      'Conflicting or malformed Content-Length / Transfer-Encoding: the request is refused',
    )
  }
  const shown = /^HPE_[A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : ''
  return invalidRequest(`Malformed HTTP request${shown}`)
}

export function invalidRequest(message: string): ListenerRefusal {
  return { status: 400, code: 'invalid_request', message }
}

export function headersTooLarge(message: string): ListenerRefusal {
  return { status: 431, code: 'request_header_fields_too_large', message }
}

/** The JSON body of a refusal. */
export function refusalBody(refusal: ListenerRefusal): object {
  return {
    error: {
      message: refusal.message,
      type: 'invalid_request_error',
      param: null,
      code: refusal.code,
    },
  }
}

/**
 * A whole HTTP/1.1 response for a socket that has no `ServerResponse` (the parser failed, or a
 * CONNECT), with the headers every KeyPool JSON answer carries, closing the connection.
 */
export function rawRefusal(refusal: ListenerRefusal): string {
  const payload = JSON.stringify(refusalBody(refusal))
  return (
    `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
    'Cache-Control: no-store\r\n' +
    'X-Content-Type-Options: nosniff\r\n' +
    'Connection: close\r\n' +
    '\r\n' +
    payload
  )
}
