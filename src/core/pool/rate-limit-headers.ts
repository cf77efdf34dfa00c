import { decimalDigitsValue } from '../decimal-digits'

/**
 * Response headers as undici's `request()` (a plain record, names in lower case) or `fetch()`
 * (a `Headers` object) hand them over.
 */
export type HeaderBag = Headers | Readonly<Record<string, string | string[] | number | undefined>>

/** The headroom an upstream reported for one key after a response. */
export interface Headroom {
  remainingRequests: number | null
  remainingTokens: number | null
}

/** One header's value (the first, when repeated), or undefined; the name is matched in any case. */
export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  // The name as given first: callers name headers in lower case, and Node and undici hand them
  // over so; lower-casing it every time cost more than the lookup (several per request).
  let value = Object.hasOwn(headers, name) ? headers[name] : undefined
  if (value === undefined) {
    // Node and undici hand over lower-case names; only a hand-made record needs this scan, and
    // it lower-cases only names of the right length (it runs for every absent header).
    const lower = name.toLowerCase()
    for (const key in headers) {
      if (key.length === lower.length && key.toLowerCase() === lower) {
        value = headers[key]
        break
      }
    }
  }
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : String(first).trim()
}

/** A non-negative integer header, or null when absent or not a number. */
export function headerCount(headers: HeaderBag | undefined, name: string): number | null {
  const value = headerValue(headers, name)
  return value === undefined ? null : decimalDigitsValue(value)
}

/** OpenAI's `x-ratelimit-remaining-*` headers, which the `headroom` strategy ranks keys by. */
export function readHeadroom(headers: HeaderBag | undefined): Headroom {
  return {
    remainingRequests: headerCount(headers, 'x-ratelimit-remaining-requests'),
    remainingTokens: headerCount(headers, 'x-ratelimit-remaining-tokens'),
  }
}
