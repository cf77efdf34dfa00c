import { describe, expect, it } from 'vitest'
import {
  classifyNetworkError,
  classifyUpstreamResponse,
} from '../../../../src/core/pool/classify-upstream-response'

const now = Date.UTC(2026, 10, 21, 12, 0, 0)
const openAiError = (code: string | null, type: string, message: string) => ({
  error: { message, type, param: null, code },
})
const classify = (status: number, body?: unknown, headers?: Record<string, string>) =>
  classifyUpstreamResponse(status, headers, body, now)

describe('classifyUpstreamResponse', () => {
  it.each([200, 201, 204])('%i is a success', (status) => {
    expect(classify(status).kind).toBe('success')
  })

  it('401 and 403 reject the key', () => {
    const wrongKey = openAiError('invalid_api_key', 'invalid_request_error', 'Incorrect API key')
    expect(classify(401, wrongKey)).toMatchObject({ kind: 'invalid', status: 401 })
    expect(classify(401)).toMatchObject({ kind: 'invalid', detail: '401' })
    const deactivated = openAiError('account_deactivated', 'invalid_request_error', 'deactivated')
    expect(classify(403, deactivated).kind).toBe('invalid')
  })

  it.each([
    ['429 insufficient_quota', 429, openAiError('insufficient_quota', 'insufficient_quota', 'x')],
    [
      '429 quota message',
      429,
      openAiError(
        null,
        'error',
        'You exceeded your current quota, please check your plan and billing details.',
      ),
    ],
    ['402 anything', 402, { error: { message: 'Insufficient Balance' } }],
    [
      '400 billing_hard_limit_reached',
      400,
      openAiError(
        'billing_hard_limit_reached',
        'invalid_request_error',
        'Billing hard limit has been reached',
      ),
    ],
    ['403 billing_not_active', 403, openAiError('billing_not_active', 'error', 'inactive billing')],
  ])('%s means the key is out of credit', (_name, status, body) => {
    expect(classify(status, body).kind).toBe('exhausted')
  })

  it('an OpenAI rate limit is not a quota error, although its message mentions billing', () => {
    const body = openAiError(
      'rate_limit_exceeded',
      'requests',
      'Rate limit reached for gpt-4o on requests per min (RPM): Limit 3. Add a payment method at https://platform.openai.com/account/billing.',
    )
    expect(classify(429, body, { 'retry-after': '7' })).toEqual({
      kind: 'rate-limited',
      status: 429,
      detail: expect.stringContaining('429 rate_limit_exceeded: Rate limit reached'),
      retryAfterMs: 7_000,
    })
    expect(classify(429)).toMatchObject({ kind: 'rate-limited', retryAfterMs: null })
  })

  it.each([400, 404, 409, 413, 415, 422])('%i is a client error', (status) => {
    const body = openAiError('model_not_found', 'invalid_request_error', 'The model does not exist')
    expect(classify(status, body).kind).toBe('client-error')
    expect(classify(status, 'not json at all').kind).toBe('client-error')
  })

  it.each([408, 500, 502, 503, 504, 529])('%i is a server error', (status) => {
    expect(classify(status, openAiError(null, 'server_error', 'oops')).kind).toBe('server-error')
  })

  it('reads looser error shapes and redacts the detail', () => {
    expect(classify(401, { error: 'bad key sk-abcdefghijklmnopqrstuvwx' }).detail).toBe(
      '401: bad key [redacted]',
    )
    expect(classify(429, { message: 'insufficient credits', code: 42 }).kind).toBe('exhausted')
    expect(classify(500, [1, 2]).detail).toBe('500')
    expect(classify(500, null).detail).toBe('500')
  })
})

describe('classifyNetworkError', () => {
  it.each(['connect', 'timeout', 'reset'] as const)('%s has no status', (error) => {
    expect(classifyNetworkError(error)).toMatchObject({
      kind: 'network-error',
      status: null,
      error,
    })
  })
})
