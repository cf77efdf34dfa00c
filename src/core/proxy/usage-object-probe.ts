const KEY = '"usage"'
const KEY_BYTES = Buffer.from(KEY)
const KEY_LENGTH = KEY_BYTES.length
const QUOTE = 34
const COLON = 58
const OPEN_BRACE = 123

/*
 * The key is found on bytes by Boyer–Moore–Horspool, in JavaScript: `Buffer#indexOf` with a
 * Buffer needle costs ~270 ns on a 220-byte stream event (argument handling and search set-up),
 * this ~110 ns; it runs for every event of every stream and every JSON answer
 * (docs/performance.md). A mismatch moves the window by the table's distance for the byte it
 * ends on (forward) or starts on (backward); bytes absent from the key move it a whole length.
 */
const forwardShift = new Uint8Array(256).fill(KEY_LENGTH)
for (let k = 0; k < KEY_LENGTH - 1; k++) forwardShift[KEY_BYTES[k]!] = KEY_LENGTH - 1 - k
const backwardShift = new Uint8Array(256).fill(KEY_LENGTH)
for (let k = KEY_LENGTH - 1; k > 0; k--) backwardShift[KEY_BYTES[k]!] = k

/** Whether `"usage"` sits at `at` (the caller has checked the window's other end). */
function keyAt(bytes: Uint8Array, at: number): boolean {
  for (let k = 1; k < KEY_LENGTH - 1; k++) if (bytes[at + k] !== KEY_BYTES[k]) return false
  return true
}

/** The first `"usage"` in `bytes[from, to)`, or -1. */
export function indexOfUsageKey(bytes: Uint8Array, from: number, to: number): number {
  const last = to - KEY_LENGTH
  let at = from
  while (at <= last) {
    const end = bytes[at + KEY_LENGTH - 1]!
    if (end === QUOTE && bytes[at] === QUOTE && keyAt(bytes, at)) return at
    at += forwardShift[end]!
  }
  return -1
}

/** The last `"usage"` in `bytes`, or -1. */
export function lastIndexOfUsageKey(bytes: Uint8Array): number {
  let at = bytes.length - KEY_LENGTH
  while (at >= 0) {
    const first = bytes[at]!
    if (first === QUOTE && bytes[at + KEY_LENGTH - 1] === QUOTE && keyAt(bytes, at)) return at
    at -= backwardShift[first]!
  }
  return -1
}

/**
 * Whether a JSON text has a `"usage"` key whose value is an object: the cheap test every usage
 * reader runs before parsing. When a client asks for usage, OpenAI-style servers send
 * `"usage":null` in every chunk of the stream; those must not cost a parse each. A `"usage"`
 * inside a JSON string cannot match (its quotes are escaped).
 */
export function hasUsageObject(text: string): boolean {
  for (let at = text.indexOf(KEY); at !== -1; at = text.indexOf(KEY, at + KEY.length)) {
    if (objectFollowsInText(text, at + KEY.length) !== -1) return true
  }
  return false
}

/** `hasUsageObject` on bytes `[from, to)` (UTF-8), without decoding them. */
export function bytesHaveUsageObject(
  bytes: Uint8Array,
  from = 0,
  to: number = bytes.length,
): boolean {
  for (
    let at = indexOfUsageKey(bytes, from, to);
    at !== -1;
    at = indexOfUsageKey(bytes, at + KEY_LENGTH, to)
  ) {
    if (objectFollowsInBytes(bytes, at + KEY_LENGTH, to) !== -1) return true
  }
  return false
}

/**
 * Where the object of the last `"usage"` key of `bytes` starts (its `{`); -1 when that key's
 * value is not an object, null when there is no `"usage"` key at all.
 */
export function lastUsageObjectStart(bytes: Uint8Array): number | null {
  const at = lastIndexOfUsageKey(bytes)
  if (at === -1) return null
  return objectFollowsInBytes(bytes, at + KEY_LENGTH, bytes.length)
}

/**
 * After a key: optional space, `:`, optional space, then `{`, whose offset is returned; or -1.
 * Two copies, for text and for bytes, rather than one taking an accessor: a shared accessor
 * made every call megamorphic, ~0.4 µs each, twice for each event of a stream (where every
 * event of a stream that asked for usage carries `"usage":null`).
 */
function objectFollowsInText(text: string, from: number): number {
  let i = from
  while (isSpace(text.charCodeAt(i))) i++
  if (text.charCodeAt(i) !== COLON) return -1
  i++
  while (isSpace(text.charCodeAt(i))) i++
  return text.charCodeAt(i) === OPEN_BRACE ? i : -1
}

function objectFollowsInBytes(bytes: Uint8Array, from: number, to: number): number {
  let i = from
  while (i < to && isSpace(bytes[i]!)) i++
  if (i >= to || bytes[i] !== COLON) return -1
  i++
  while (i < to && isSpace(bytes[i]!)) i++
  return i < to && bytes[i] === OPEN_BRACE ? i : -1
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13
}
