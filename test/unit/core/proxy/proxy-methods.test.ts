import { describe, expect, it } from 'vitest'
import { checkProxyMethod, proxyMethods } from '../../../../src/core/proxy/proxy-methods'
import { ProxyError } from '../../../../src/shared/proxy-errors'

describe('checkProxyMethod', () => {
  it('lets the methods of the OpenAI API (and HEAD, OPTIONS) through', () => {
    for (const method of proxyMethods) expect(() => checkProxyMethod(method)).not.toThrow()
  })

  it('refuses TRACE and WebDAV methods with a 405 before any upstream call', () => {
    for (const method of ['TRACE', 'PROPFIND', 'SEARCH', 'LOCK', 'QUERY', 'CONNECT']) {
      let refusal: unknown
      try {
        checkProxyMethod(method)
      } catch (error) {
        refusal = error
      }
      expect(refusal, method).toBeInstanceOf(ProxyError)
      expect((refusal as ProxyError).status).toBe(405)
      expect((refusal as ProxyError).code).toBe('method_not_allowed')
    }
  })
})
