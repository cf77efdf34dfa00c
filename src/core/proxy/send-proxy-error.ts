import type { ServerResponse } from 'node:http'
import { ProxyError } from '../../shared/proxy-errors'
import { sendJson } from '../http/json-response'
import { proxyMethods } from './proxy-methods'

export interface ProxyErrorOptions {
  /**
   * The request body was not (fully) read: close the connection after the answer, since the
   * rest of the body would otherwise be parsed as the next request.
   */
  closeConnection?: boolean
}

/**
 * Answers a proxy failure in OpenAI's error shape, with `Retry-After` when the error carries one.
 * Anything that is not a `ProxyError` becomes a generic `internal_error`: its message may hold
 * what no client should see. Once the headers went out, the only honest signal is a cut.
 */
export function sendProxyError(
  res: ServerResponse,
  error: unknown,
  options: ProxyErrorOptions = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  const failure = error instanceof ProxyError ? error : new ProxyError('internal_error')
  const headers: Record<string, string> = {}
  if (failure.retryAfterSeconds !== null) {
    headers['retry-after'] = String(failure.retryAfterSeconds)
  }
  if (options.closeConnection) headers['connection'] = 'close'
  if (failure.code === 'method_not_allowed') headers['allow'] = proxyMethods.join(', ')
  sendJson(res, failure.status, failure.toBody(), headers)
}
