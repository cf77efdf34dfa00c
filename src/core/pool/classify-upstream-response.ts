import { cooldownFromHeaders } from './cooldown'
import type { HeaderBag } from './rate-limit-headers'
import { redact } from './redact'

/** How a request to an upstream failed before any response arrived. */
export type NetworkErrorKind = 'connect' | 'timeout' | 'reset'

/**
 * What one upstream answer says about the key that made it. `detail` is short and redacted;
 * `retryAfterMs` is the rest the upstream asked for (null: it did not say).
 */
export type UpstreamOutcome =
  | { kind: 'success'; status: number; detail: string }
  | {
      kind: 'invalid' | 'exhausted' | 'client-error' | 'server-error'
      status: number
      detail: string
    }
  | { kind: 'rate-limited'; status: number; detail: string; retryAfterMs: number | null }
  | { kind: 'network-error'; status: null; detail: string; error: NetworkErrorKind }

export type OutcomeKind = UpstreamOutcome['kind']

const quotaCodes = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'billing_not_active',
  'insufficient_balance',
  'insufficient_credits',
])
const rateLimitCodes = new Set(['rate_limit_exceeded', 'requests', 'tokens', 'rate_limit_error'])
const quotaMessage =
  /exceeded your current quota|insufficient[ _](?:balance|credits?|funds|quota)|billing hard limit|credit balance is too low|out of credits/i

interface ErrorFields {
  code: string
  type: string
  message: string
}

const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : ''

/** `{error:{type,code,message}}` as OpenAI sends it, or the looser shapes of other providers. */
function errorFields(body: unknown): ErrorFields {
  if (typeof body === 'string') return { code: '', type: '', message: body }
  if (typeof body !== 'object' || body === null) return { code: '', type: '', message: '' }
  const outer = body as Record<string, unknown>
  const inner = outer.error
  if (typeof inner === 'object' && inner !== null) {
    const error = inner as Record<string, unknown>
    return { code: text(error.code), type: text(error.type), message: text(error.message) }
  }
  return { code: text(outer.code), type: text(outer.type), message: text(inner ?? outer.message) }
}

/**
 * Classifies one upstream HTTP answer (SPEC §2.1). Quota and billing errors are told apart from
 * rate limits by code first, because OpenAI's rate-limit message itself mentions billing.
 * 408 is the upstream timing out, not the client's fault, so it is treated like a 5xx. Anything
 * else (other 4xx, a stray 1xx/3xx) is passed through to the client and never blamed on the key.
 */
export function classifyUpstreamResponse(
  status: number,
  headers: HeaderBag | undefined,
  body: unknown,
  now: number,
): UpstreamOutcome {
  if (status >= 200 && status < 300) return successOutcome(status)
  const { code, type, message } = errorFields(body)
  const label = [status, code || type].filter(Boolean).join(' ')
  const detail = redact(message ? `${label}: ${message}` : label)
  const quotaCode = quotaCodes.has(code) || quotaCodes.has(type)
  const quotaText = quotaMessage.test(message)
  if (status === 401) return { kind: 'invalid', status, detail }
  if (status === 402) return { kind: 'exhausted', status, detail }
  if (status === 403) {
    return { kind: quotaCode || quotaText ? 'exhausted' : 'invalid', status, detail }
  }
  if (status === 429) {
    const rateLimit = rateLimitCodes.has(code) || rateLimitCodes.has(type)
    if (quotaCode || (quotaText && !rateLimit)) return { kind: 'exhausted', status, detail }
    return { kind: 'rate-limited', status, detail, retryAfterMs: cooldownFromHeaders(headers, now) }
  }
  if (status === 408 || status >= 500) return { kind: 'server-error', status, detail }
  if (status >= 400 && quotaCode) return { kind: 'exhausted', status, detail }
  return { kind: 'client-error', status, detail }
}

/**
 * One frozen outcome per 2xx status, made once: every relayed answer is classified, and its
 * `detail` string was built anew each time.
 */
const successOutcomes = new Map<number, UpstreamOutcome>()

function successOutcome(status: number): UpstreamOutcome {
  let outcome = successOutcomes.get(status)
  if (outcome === undefined) {
    outcome = Object.freeze({ kind: 'success', status, detail: `HTTP ${status}` } as const)
    successOutcomes.set(status, outcome)
  }
  return outcome
}

const networkDetail: Record<NetworkErrorKind, string> = {
  connect: 'could not connect to the upstream',
  timeout: 'the upstream timed out',
  reset: 'the upstream closed the connection',
}

/** A request that got no HTTP answer: never the key's fault, so it only moves to another key. */
export function classifyNetworkError(error: NetworkErrorKind): UpstreamOutcome {
  return { kind: 'network-error', status: null, detail: networkDetail[error], error }
}
