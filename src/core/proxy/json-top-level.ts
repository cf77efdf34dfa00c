const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const LBRACE = 123
const RBRACE = 125
const LBRACKET = 91
const RBRACKET = 93

/** Where one value sits in a JSON text: bytes `[start, end)`. */
export interface ValueSpan {
  start: number
  end: number
}

export interface TopLevelKeys {
  /** The offset of the object's opening `{`. */
  open: number
  /** Every value of `key` in the object, in order (JSON allows repeats; parsers disagree). */
  spans: ValueSpan[]
}

/**
 * Locates the values of one key of a JSON object without parsing the rest, so that a body can
 * be edited in place and every other byte kept as the client sent it (numbers beyond 2^53,
 * key order, spacing). Works on bytes: every structural character is ASCII, and bytes of a
 * multi-byte UTF-8 sequence are all ≥ 0x80, so they can never be mistaken for one.
 * Meant for text that `JSON.parse` accepted; returns null if the text is not an object.
 */
export function findTopLevelKey(text: Uint8Array, key: string): TopLevelKeys | null {
  const keyBytes = Buffer.from(key)
  const open = skipSpace(text, 0)
  if (text[open] !== LBRACE) return null
  const spans: ValueSpan[] = []
  let i = skipSpace(text, open + 1)
  if (text[i] === RBRACE) return { open, spans }
  for (;;) {
    if (text[i] !== QUOTE) return null
    const keyEnd = skipString(text, i)
    if (keyEnd === -1) return null
    const colon = skipSpace(text, keyEnd)
    if (text[colon] !== COLON) return null
    const start = skipSpace(text, colon + 1)
    const end = skipValue(text, start)
    if (end === -1 || end === start) return null
    if (keyEquals(text, i, keyEnd, key, keyBytes)) spans.push({ start, end })
    i = skipSpace(text, end)
    if (text[i] === RBRACE) return { open, spans }
    if (text[i] !== COMMA) return null
    i = skipSpace(text, i + 1)
  }
}

function keyEquals(
  text: Uint8Array,
  tokenStart: number,
  tokenEnd: number,
  key: string,
  keyBytes: Buffer,
): boolean {
  const inner = text.subarray(tokenStart + 1, tokenEnd - 1)
  if (!inner.includes(BACKSLASH)) return keyBytes.equals(inner)
  return JSON.parse(Buffer.from(text.subarray(tokenStart, tokenEnd)).toString('utf8')) === key
}

/** The offset of the first byte at or after `i` that is not JSON whitespace. */
export function skipSpace(text: Uint8Array, i: number): number {
  while (i < text.length) {
    const c = text[i]
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break
    i += 1
  }
  return i
}

/** The offset just past the string token starting at `i`, or -1 when it never closes. */
function skipString(text: Uint8Array, i: number): number {
  i += 1
  while (i < text.length) {
    const c = text[i]
    if (c === BACKSLASH) i += 2
    else if (c === QUOTE) return i + 1
    else i += 1
  }
  return -1
}

/**
 * The offset just past the JSON value starting at `i` (string, object, array, number or literal),
 * or -1 when it does not end within `text`. Nested strings are skipped with their escapes, so a
 * brace inside a string never counts.
 */
export function skipValue(text: Uint8Array, i: number): number {
  const first = text[i]
  if (first === QUOTE) return skipString(text, i)
  if (first === LBRACE || first === LBRACKET) {
    let depth = 0
    while (i < text.length) {
      const c = text[i]
      if (c === QUOTE) {
        i = skipString(text, i)
        if (i === -1) return -1
        continue
      }
      if (c === LBRACE || c === LBRACKET) depth += 1
      else if (c === RBRACE || c === RBRACKET) {
        depth -= 1
        if (depth === 0) return i + 1
      }
      i += 1
    }
    return -1
  }
  while (i < text.length) {
    const c = text[i]
    if (
      c === COMMA ||
      c === RBRACE ||
      c === RBRACKET ||
      c === 32 ||
      c === 9 ||
      c === 10 ||
      c === 13
    ) {
      break
    }
    i += 1
  }
  return i
}
