import { ProxyError } from '../../shared/proxy-errors'

/**
 * The methods the proxy forwards: what the OpenAI API and compatible servers use, plus HEAD and
 * OPTIONS. Anything else (TRACE, WebDAV's PROPFIND, …) is refused before any upstream call: a
 * TRACE answered by an upstream or a proxy in front of it would echo the request back, with the
 * upstream key KeyPool injected into it (SECURITY.md S3, I2).
 */
export const proxyMethods: readonly string[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]

/** @throws ProxyError `method_not_allowed` for a method the proxy does not forward */
export function checkProxyMethod(method: string): void {
  if (!proxyMethods.includes(method.toUpperCase())) {
    // Node's parser only lets known method tokens through, so naming it echoes nothing arbitrary.
    throw new ProxyError('method_not_allowed', `The proxy does not forward ${method} requests`)
  }
}
