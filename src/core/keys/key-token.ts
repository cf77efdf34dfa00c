/** 8–512 printable ASCII characters without spaces: what every provider's API keys look like. */
const keyToken = /^[\x21-\x7e]{8,512}$/

export function isKeyToken(value: string): boolean {
  return keyToken.test(value)
}

export interface MaskParts {
  /** Up to and including the first dash when it comes early (`sk-`), else empty. */
  prefix: string
  last4: string
}

const MAX_PREFIX_LENGTH = 6
/** Shorter keys show no prefix, so that the display never gives away most of one. */
const MIN_LENGTH_FOR_PREFIX = 20

/** The only parts of a key that are ever stored in clear or shown. */
export function maskParts(secret: string): MaskParts {
  const dash = secret.indexOf('-')
  const prefix =
    secret.length >= MIN_LENGTH_FOR_PREFIX && dash >= 0 && dash < MAX_PREFIX_LENGTH
      ? secret.slice(0, dash + 1)
      : ''
  return { prefix, last4: secret.slice(-4) }
}

export function maskedDisplay({ prefix, last4 }: MaskParts): string {
  return `${prefix}…${last4}`
}
