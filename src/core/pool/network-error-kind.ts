import type { NetworkErrorKind } from './classify-upstream-response'

const timeoutCodes: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])

const connectCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/**
 * What kind of network failure an undici or socket error is: a timeout (`upstream_timeout`;
 * also an `AbortSignal.timeout`), a failed connection, or a connection lost on the way (both
 * `upstream_unreachable`). undici wraps some errors, so causes are looked at too; anything
 * unrecognised is a reset. None of these kinds changes a key's state.
 */
export function networkErrorKind(error: unknown, depth = 0): NetworkErrorKind {
  const { code, name, cause } = (error ?? {}) as { code?: unknown; name?: unknown; cause?: unknown }
  if (name === 'TimeoutError' || (typeof code === 'string' && timeoutCodes.has(code))) {
    return 'timeout'
  }
  if (typeof code === 'string' && connectCodes.has(code)) return 'connect'
  if (cause !== undefined && depth < 3) return networkErrorKind(cause, depth + 1)
  return 'reset'
}
