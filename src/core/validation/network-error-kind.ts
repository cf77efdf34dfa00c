import type { NetworkErrorKind } from '../pool/classify-upstream-response'

const timeoutCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])
const connectCodes = new Set([
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
 * Which kind of "no answer" an undici or socket error is. The kind only words the reason: every
 * kind leaves the key as it is, so an unrecognised error is simply called a reset.
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
