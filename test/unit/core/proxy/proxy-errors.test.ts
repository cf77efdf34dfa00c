import { describe, expect, it } from 'vitest'
import {
  ProxyError,
  isProxyErrorCode,
  proxyErrorBody,
  proxyErrorEvent,
  proxyErrors,
  proxyErrorStatus,
} from '../../../../src/shared/proxy-errors'

describe('proxy errors', () => {
  it('carry the HTTP status of SPEC §4', () => {
    const statuses = Object.fromEntries(
      Object.entries(proxyErrors).map(([code, { status }]) => [code, status]),
    )
    expect(statuses).toEqual({
      invalid_sub_key: 401,
      sub_key_expired: 401,
      sub_key_disabled: 403,
      sub_key_exhausted: 429,
      token_budget_exhausted: 429,
      model_not_allowed: 403,
      rate_limited: 429,
      no_available_key: 503,
      upstream_unreachable: 502,
      upstream_timeout: 504,
      request_too_large: 413,
      invalid_request: 400,
      method_not_allowed: 405,
      unsupported_media_type: 415,
      too_many_requests: 503,
      forbidden: 403,
      internal_error: 500,
    })
  })

  it("build OpenAI's error shape", () => {
    expect(proxyErrorBody('model_not_allowed', 'No gpt-4 for you', 'model')).toEqual({
      error: {
        message: 'No gpt-4 for you',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_allowed',
      },
    })
    expect(proxyErrorBody('upstream_timeout').error).toMatchObject({
      type: 'server_error',
      param: null,
      message: proxyErrors.upstream_timeout.message,
    })
  })

  it('render an SSE error event for a stream that failed after its first byte', () => {
    const event = proxyErrorEvent('upstream_unreachable', 'Upstream reset the stream')
    expect(event.startsWith('data: ')).toBe(true)
    expect(event.endsWith('\n\n')).toBe(true)
    expect(JSON.parse(event.slice(6)).error.code).toBe('upstream_unreachable')
  })

  it('travel as ProxyError with status and Retry-After', () => {
    const error = new ProxyError('rate_limited', undefined, null, 12)
    expect(error).toBeInstanceOf(Error)
    expect(error.status).toBe(429)
    expect(error.retryAfterSeconds).toBe(12)
    expect(error.toBody().error.code).toBe('rate_limited')
    expect(proxyErrorStatus('no_available_key')).toBe(503)
  })

  it('recognise their codes and nothing else', () => {
    expect(isProxyErrorCode('invalid_sub_key')).toBe(true)
    expect(isProxyErrorCode('toString')).toBe(false)
    expect(isProxyErrorCode(401)).toBe(false)
  })
})
