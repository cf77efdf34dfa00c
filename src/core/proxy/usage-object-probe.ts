const KEY = '"usage"'
const KEY_BYTES = Buffer.from(KEY)
const COLON = 58
const OPEN_BRACE = 123

/**
 * Whether a JSON text has a `"usage"` key whose value is an object: the cheap test every usage
 * reader runs before parsing. When a client asks for usage, OpenAI-style servers send
 * `"usage":null` in every chunk of the stream; those must not cost a parse each. A `"usage"`
 * inside a JSON string cannot match (its quotes are escaped).
 */
export function hasUsageObject(text: string): boolean {
  for (let at = text.indexOf(KEY); at !== -1; at = text.indexOf(KEY, at + KEY.length)) {
    if (objectFollows((i) => text.charCodeAt(i), at + KEY.length) !== -1) return true
  }
  return false
}

/** `hasUsageObject` on bytes (UTF-8), without decoding them. */
export function bytesHaveUsageObject(bytes: Buffer): boolean {
  for (
    let at = bytes.indexOf(KEY_BYTES);
    at !== -1;
    at = bytes.indexOf(KEY_BYTES, at + KEY_BYTES.length)
  ) {
    if (objectFollows((i) => bytes[i] ?? -1, at + KEY_BYTES.length) !== -1) return true
  }
  return false
}

/**
 * Where the object of the last `"usage"` key of `bytes` starts (its `{`); -1 when that key's
 * value is not an object, null when there is no `"usage"` key at all.
 */
export function lastUsageObjectStart(bytes: Buffer): number | null {
  const at = bytes.lastIndexOf(KEY_BYTES)
  if (at === -1) return null
  return objectFollows((i) => bytes[i] ?? -1, at + KEY_BYTES.length)
}

/** After a key: optional space, `:`, optional space, then `{`, whose offset is returned; or -1. */
function objectFollows(codeAt: (i: number) => number, from: number): number {
  let i = from
  while (isSpace(codeAt(i))) i++
  if (codeAt(i) !== COLON) return -1
  i++
  while (isSpace(codeAt(i))) i++
  return codeAt(i) === OPEN_BRACE ? i : -1
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13
}
