import { hash, randomBytes, timingSafeEqual } from 'node:crypto'

export const subKeyPrefix = 'sk-kp-'

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** 43 base62 characters carry 43 × log2(62) ≈ 256 bits, well over the 192 SPEC §3 asks for. */
export const subKeyRandomLength = 43

/** The largest multiple of 62 that fits a byte: bytes at or above it are redrawn, not folded. */
const unbiasedLimit = 62 * Math.floor(256 / 62)

const secretShape = new RegExp(`^${subKeyPrefix}[0-9A-Za-z]{${subKeyRandomLength}}$`)

/**
 * A new sub-key secret: `sk-kp-` and 43 uniformly random base62 characters. Each character comes
 * from one random byte by rejection sampling (`byte % 62` alone would favour the first 8).
 */
export function generateSubKeySecret(): string {
  let out = subKeyPrefix
  while (out.length < subKeyPrefix.length + subKeyRandomLength) {
    for (const byte of randomBytes(64)) {
      if (byte >= unbiasedLimit) continue
      out += alphabet[byte % 62]
      if (out.length === subKeyPrefix.length + subKeyRandomLength) break
    }
  }
  return out
}

/** Whether `value` has the shape of a sub-key secret: a cheap filter before hashing a lookup. */
export function isSubKeySecret(value: string): boolean {
  return secretShape.test(value)
}

/** The only form of a secret that is stored (SECURITY.md S2): SHA-256, lower-case hex. */
export function hashSubKey(secret: string): string {
  return hash('sha256', secret, 'hex')
}

/** What a list may show of a secret: `sk-kp-` with 4 random characters, and the last 4. */
export function subKeyDisplay(secret: string): { prefix: string; last4: string } {
  const random = secret.startsWith(subKeyPrefix) ? secret.slice(subKeyPrefix.length) : secret
  return { prefix: subKeyPrefix + random.slice(0, 4), last4: secret.slice(-4) }
}

/**
 * Constant-time comparison of two secrets (SECURITY.md S4). Hashing first gives both sides the
 * same length, so neither the length nor the first differing byte leaks through timing.
 */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'))
}

type HeaderValue = string | readonly string[] | undefined

/**
 * The key a client presents: `Authorization: Bearer …` (OpenAI SDKs), or `x-api-key` /
 * `api-key` (Anthropic-style and Azure-style clients). Returns null when none is present.
 */
export function extractClientKey(
  headers: Readonly<Record<string, HeaderValue | number>>,
): string | null {
  const authorization = first(headers['authorization'])
  if (authorization !== undefined) {
    // The usual spelling first: nothing to fold or trim.
    if (authorization.startsWith('Bearer ') && authorization.length > 7) {
      const token = authorization.slice(7)
      if (isPlain(token.charCodeAt(0)) && isPlain(token.charCodeAt(token.length - 1))) {
        return token
      }
    }
    const space = authorization.indexOf(' ')
    if (space !== -1 && authorization.slice(0, space).toLowerCase() === 'bearer') {
      const token = authorization.slice(space + 1).trim()
      if (token) return token
    }
  }
  for (const name of ['x-api-key', 'api-key']) {
    const value = first(headers[name])?.trim()
    if (value) return value
  }
  return null
}

/** A visible ASCII character: nothing `trim` would take off; anything else takes the long way. */
function isPlain(code: number): boolean {
  return code > 32 && code < 127
}

function first(value: HeaderValue | number): string | undefined {
  if (value === undefined || typeof value === 'number') return undefined
  return typeof value === 'string' ? value : value[0]
}
