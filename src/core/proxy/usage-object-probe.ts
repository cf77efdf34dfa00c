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
    if (objectFollows((i) => text.charCodeAt(i), at + KEY.length)) return true
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
    if (objectFollows((i) => bytes[i] ?? -1, at + KEY_BYTES.length)) return true
  }
  return false
}

/** After a key: optional space, `:`, optional space, then `{`. */
function objectFollows(codeAt: (i: number) => number, from: number): boolean {
  let i = from
  while (isSpace(codeAt(i))) i++
  if (codeAt(i) !== COLON) return false
  i++
  while (isSpace(codeAt(i))) i++
  return codeAt(i) === OPEN_BRACE
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13
}
