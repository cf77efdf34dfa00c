import type { CompletedRequest } from '../../src/core/usage/completed-request'

/** A successful 10-token chat request ending at `at`; fields overridable. */
export function completedRequest(
  at: number,
  overrides: Partial<CompletedRequest> = {},
): CompletedRequest {
  return {
    at,
    subKeyId: 1,
    providerId: 1,
    keyId: 1,
    model: 'gpt-4o-mini',
    method: 'POST',
    endpoint: '/v1/chat/completions',
    status: 200,
    outcome: 'success',
    errorCode: null,
    latencyMs: 120,
    ttfbMs: 40,
    promptTokens: 6,
    completionTokens: 4,
    cachedTokens: 3,
    reasoningTokens: 1,
    totalTokens: 10,
    streamed: true,
    bytesOut: 512,
    attempts: 1,
    ...overrides,
  }
}
