import type { MockExchange } from './mock-exchange'
import type { KeyBehaviour } from './mock-upstream-types'

/** Event payload size of `large-stream`. */
const LARGE_EVENT_CONTENT = 'x'.repeat(16 * 1024)

/** The key as OpenAI quotes it in a 401: never in full. */
export function maskKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 3)}***${key.slice(-4)}` : '***'
}

/** 401 for a request without a usable bearer token, worded like OpenAI. */
export function sendMissingKey(exchange: MockExchange): void {
  exchange.sendError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header " +
      'using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
    'invalid_request_error',
  )
}

/**
 * Runs the scripted behaviour. Resolves 'proceed' when the route should answer (possibly with a
 * cut armed on the exchange), 'done' when the behaviour itself answered or the client left.
 */
export async function applyBehaviour(
  exchange: MockExchange,
  behaviour: KeyBehaviour,
  key: string,
): Promise<'proceed' | 'done'> {
  if (typeof behaviour === 'string') {
    switch (behaviour) {
      case 'ok':
        return 'proceed'
      case 'unauthorized':
        exchange.sendError(
          401,
          `Incorrect API key provided: ${maskKey(key)}. You can find your API key at ` +
            'https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        )
        return 'done'
      case 'forbidden':
        exchange.sendError(
          403,
          'This key is associated with a deactivated account. If you feel this is an error, ' +
            'contact us through our help center at help.openai.com.',
          'invalid_request_error',
          'account_deactivated',
        )
        return 'done'
      case 'quota':
        exchange.sendError(
          429,
          'You exceeded your current quota, please check your plan and billing details. For more ' +
            'information on this error, read the docs: ' +
            'https://platform.openai.com/docs/guides/error-codes/api-errors.',
          'insufficient_quota',
          'insufficient_quota',
        )
        return 'done'
      case 'server-error':
        exchange.sendError(
          500,
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
        )
        return 'done'
      case 'bad-gateway':
        exchange.sendError(502, 'Bad gateway.', 'server_error', 'bad_gateway')
        return 'done'
      case 'bad-request':
        exchange.sendError(
          400,
          'The mock upstream was scripted to reject this request.',
          'invalid_request_error',
          'invalid_value',
        )
        return 'done'
      case 'hang':
        await exchange.untilClosed()
        return 'done'
    }
  }
  switch (behaviour.kind) {
    case 'rate-limit': {
      const headers: Record<string, string> = { 'x-ratelimit-remaining-requests': '0' }
      if (behaviour.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(behaviour.retryAfterSeconds)
      }
      if (behaviour.resetRequests !== undefined) {
        headers['x-ratelimit-reset-requests'] = behaviour.resetRequests
      }
      if (behaviour.resetTokens !== undefined) {
        headers['x-ratelimit-reset-tokens'] = behaviour.resetTokens
      }
      exchange.sendError(
        429,
        'Rate limit reached for requests on requests per min (RPM): Limit 3, Used 3, Requested 1. ' +
          'Please try again later.',
        'requests',
        'rate_limit_exceeded',
        null,
        headers,
      )
      return 'done'
    }
    case 'delay':
      return (await exchange.sleep(behaviour.ms)) ? 'proceed' : 'done'
    case 'paced':
      exchange.chunkIntervalMs = behaviour.intervalMs
      exchange.firstEventMs = behaviour.firstEventMs ?? 0
      if (behaviour.resetAfterChunks !== undefined) {
        exchange.cut = { afterEvents: behaviour.resetAfterChunks, mode: 'reset' }
      }
      if (behaviour.firstByteMs === undefined || behaviour.firstByteMs <= 0) return 'proceed'
      return (await exchange.sleep(behaviour.firstByteMs)) ? 'proceed' : 'done'
    case 'reset-mid-stream':
      exchange.cut = { afterEvents: behaviour.afterChunks, mode: 'reset' }
      return 'proceed'
    case 'stall-mid-stream':
      exchange.cut = { afterEvents: behaviour.afterChunks, mode: 'stall' }
      return 'proceed'
    case 'large-stream':
      await sendLargeStream(exchange, behaviour.bytes, exchange.record.model ?? 'gpt-4o-mini')
      return 'done'
  }
}

/** About `bytes` bytes of chat chunks, each write waiting for the socket to drain. */
async function sendLargeStream(
  exchange: MockExchange,
  bytes: number,
  model: string,
): Promise<void> {
  exchange.startStream()
  const created = Math.floor(Date.now() / 1000)
  const id = `chatcmpl-large${exchange.record.seq}`
  let sent = 0
  while (sent < bytes) {
    const data = JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta: { content: LARGE_EVENT_CONTENT }, finish_reason: null }],
    })
    if (!(await exchange.event(data))) return
    sent += data.length + 8
    exchange.record.bytesOut = sent
  }
  if (await exchange.event('[DONE]')) exchange.end()
}
