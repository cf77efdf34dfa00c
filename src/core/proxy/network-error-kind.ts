import type { NetworkErrorKind } from '../pool'

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
 * What kind of network failure an undici error is: a timeout (`upstream_timeout`), a failed
 * connection, or a connection lost on the way (both `upstream_unreachable`). undici wraps some
 * errors, so the cause is looked at too.
 */
export function networkErrorKind(error: unknown): NetworkErrorKind {
  for (let current = error, depth = 0; current && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') {
      if (timeoutCodes.has(code)) return 'timeout'
      if (connectCodes.has(code)) return 'connect'
    }
    current = (current as { cause?: unknown }).cause
  }
  return 'reset'
}
