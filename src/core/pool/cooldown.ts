import { type HeaderBag, headerCount, headerValue } from './rate-limit-headers'

/** How long a rate-limited key rests when the upstream does not say (settings.routing). */
export interface CooldownSettings {
  cooldownBaseMs: number
  cooldownMaxMs: number
}

export const defaultCooldownSettings: CooldownSettings = {
  cooldownBaseMs: 5_000,
  cooldownMaxMs: 600_000,
}

const httpDate = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i
const unitMs: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  ns: 1e-6,
}
const durationPart = /(\d+(?:\.\d+)?|\.\d+)(h|ms|m|s|us|µs|ns)/y

/**
 * `Retry-After` in milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * A date in the past means "now" (0); anything unparseable is null so the caller falls back.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  const text = value?.trim()
  if (!text) return null
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1_000)
  if (!httpDate.test(text)) return null
  const at = Date.parse(text)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/**
 * OpenAI's `x-ratelimit-reset-requests` / `-tokens` in milliseconds: a Go duration (`1s`, `6m0s`,
 * `20ms`, `1h2m3.5s`); a bare number is taken as seconds. Anything else is null.
 */
export function parseResetDuration(value: string | undefined): number | null {
  const text = value?.trim()
  if (!text) return null
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1_000)
  let total = 0
  durationPart.lastIndex = 0
  while (durationPart.lastIndex < text.length) {
    const match = durationPart.exec(text)
    if (!match) return null
    total += Number(match[1]) * (unitMs[match[2] as string] ?? Number.NaN)
  }
  return Number.isFinite(total) ? Math.round(total) : null
}

/** `base × 2^(n-1)` for the n-th consecutive failure, capped: 5 s, 10 s, 20 s … 10 min. */
export function exponentialBackoff(n: number, settings: CooldownSettings): number {
  const exponent = Math.max(0, Math.floor(n) - 1)
  return Math.min(settings.cooldownMaxMs, settings.cooldownBaseMs * 2 ** Math.min(exponent, 52))
}

/**
 * The rest an upstream asked for after a 429, in milliseconds, or null when it did not say.
 * `retry-after-ms` (Azure, the OpenAI SDK) wins, then `Retry-After`, then the reset of the limit
 * that ran out (both resets known and neither exhausted: the longer one, to be safe).
 */
export function cooldownFromHeaders(headers: HeaderBag | undefined, now: number): number | null {
  const retryAfterMs = headerValue(headers, 'retry-after-ms')
  if (retryAfterMs !== undefined && /^\d+(?:\.\d+)?$/.test(retryAfterMs)) {
    return Math.round(Number(retryAfterMs))
  }
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), now)
  if (retryAfter !== null) return retryAfter
  const requests = parseResetDuration(headerValue(headers, 'x-ratelimit-reset-requests'))
  const tokens = parseResetDuration(headerValue(headers, 'x-ratelimit-reset-tokens'))
  if (headerCount(headers, 'x-ratelimit-remaining-requests') === 0 && requests !== null) {
    return requests
  }
  if (headerCount(headers, 'x-ratelimit-remaining-tokens') === 0 && tokens !== null) return tokens
  if (requests === null) return tokens
  return tokens === null ? requests : Math.max(requests, tokens)
}
