import { falseBytes, nullBytes, skipLiteral, skipNumber, trueBytes } from './json-scalars'
import { skipSpace } from './json-top-level'
import type { TokenUsage } from './token-usage'

/*
 * Reads the token counts of a `usage` object straight from its bytes, for every non-streamed
 * answer: `JSON.parse` of OpenAI's ~280-byte chat usage builds three objects and measured
 * ~0.55 µs in a tight loop and ~2 µs per request inside the proxy (cold caches, docs/
 * performance.md "Sixth round"); this reads the same object without building any.
 *
 * It is not a JSON parser. It accepts a strict subset of JSON (objects at most four deep,
 * strings without escapes, numbers, literals; no arrays) and checks that subset as strictly as
 * `JSON.parse` does, and answers undefined for anything else, so the caller parses those with
 * `JSON.parse` as before. What it does answer equals `normalizeUsage(JSON.parse(text))`
 * (property test in `usage-bytes-reader.test.ts`).
 */

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const MINUS = 45
const ZERO = 48
const NINE = 57
const OPEN_BRACE = 123
const CLOSE_BRACE = 125

/** Nesting below the usage object: `*_tokens_details` is one level; more is someone else's. */
const MAX_DEPTH = 4
/** 15 digits are always a safe integer; longer counts go to `JSON.parse`. */
const MAX_COUNT_DIGITS = 15

/** A slot's value when its key did not appear, or appeared with a value that is not a count. */
const ABSENT = -1
const NOT_COUNT = -2
/** A `*_tokens_details` slot: absent, null, an object (its counts are read), anything else. */
const DETAILS_NULL = -3
const DETAILS_OBJECT = -4

// Slots of the top-level counts and detail objects, then of each detail object's two counts.
const PROMPT = 0
const INPUT = 1
const COMPLETION = 2
const OUTPUT = 3
const TOTAL = 4
const CACHE_HIT = 5
const PROMPT_DETAILS = 6
const INPUT_DETAILS = 7
const COMPLETION_DETAILS = 8
const OUTPUT_DETAILS = 9
const CACHED_OF = 10 // + detail slot - PROMPT_DETAILS
const REASONING_OF = 14 // + detail slot - PROMPT_DETAILS
const SLOTS = 18

const topLevelKeys: readonly (readonly [string, number])[] = [
  ['prompt_tokens', PROMPT],
  ['input_tokens', INPUT],
  ['completion_tokens', COMPLETION],
  ['output_tokens', OUTPUT],
  ['total_tokens', TOTAL],
  ['prompt_cache_hit_tokens', CACHE_HIT],
  ['prompt_tokens_details', PROMPT_DETAILS],
  ['input_tokens_details', INPUT_DETAILS],
  ['completion_tokens_details', COMPLETION_DETAILS],
  ['output_tokens_details', OUTPUT_DETAILS],
]
const detailKeys: readonly (readonly [string, number])[] = [
  ['cached_tokens', CACHED_OF],
  ['reasoning_tokens', REASONING_OF],
]

/** Keys by length, so a key is compared with the few names of its length only. */
type KeyTable = (readonly { bytes: Buffer; slot: number }[] | undefined)[]

function keyTable(keys: readonly (readonly [string, number])[]): KeyTable {
  const table: { bytes: Buffer; slot: number }[][] = []
  for (const [name, slot] of keys)
    (table[name.length] ??= []).push({ bytes: Buffer.from(name), slot })
  return table
}

const topLevelTable = keyTable(topLevelKeys)
const detailTable = keyTable(detailKeys)

/** The one scan's state: the reader never re-enters itself (it calls nothing asynchronous). */
const slots = new Float64Array(SLOTS)
/** Set by `readCount` and `readDetails`: what the value just read means for its slot. */
let valueRead = 0

/**
 * The usage of the object whose `{` is at `bytes[start]`; null when it carries no token count
 * (as `normalizeUsage` answers); undefined when the object is not in the subset this reads, or
 * not valid JSON, or does not end before `bytes.length`.
 */
export function readUsageBytes(bytes: Uint8Array, start: number): TokenUsage | null | undefined {
  if (bytes[start] !== OPEN_BRACE) return undefined
  slots.fill(ABSENT)
  const end = readObject(bytes, start, topLevelTable, 0, 0)
  return end === -1 ? undefined : usageFromSlots()
}

/** What `normalizeUsage` makes of the same object. */
function usageFromSlots(): TokenUsage | null {
  const prompt = count(PROMPT) ?? count(INPUT)
  const completion = count(COMPLETION) ?? count(OUTPUT)
  const total = count(TOTAL)
  if (prompt === null && completion === null && total === null) return null
  const promptDetails = details(PROMPT_DETAILS, INPUT_DETAILS)
  const completionDetails = details(COMPLETION_DETAILS, OUTPUT_DETAILS)
  return {
    promptTokens: prompt ?? 0,
    completionTokens: completion ?? 0,
    totalTokens: total ?? (prompt ?? 0) + (completion ?? 0),
    cachedTokens:
      (promptDetails === -1 ? null : count(CACHED_OF + promptDetails)) ?? count(CACHE_HIT) ?? 0,
    reasoningTokens:
      (completionDetails === -1 ? null : count(REASONING_OF + completionDetails)) ?? 0,
  }
}

function count(slot: number): number | null {
  const value = slots[slot]!
  return value >= 0 ? value : null
}

/**
 * Which detail object `usage[chat] ?? usage[responses]` is, as its slot minus PROMPT_DETAILS
 * (0–3, the offset of its counts), when that value is an object; -1 when it is not.
 */
function details(chat: number, responses: number): number {
  const chosen = slots[chat] === ABSENT || slots[chat] === DETAILS_NULL ? responses : chat
  return slots[chosen] === DETAILS_OBJECT ? chosen - PROMPT_DETAILS : -1
}

/**
 * Reads the object at `i` (its `{`), recording the values of `keys` in their slots (`detail` is
 * the detail object's offset for the nested counts); the offset past its `}`, or -1.
 */
function readObject(
  text: Uint8Array,
  i: number,
  keys: KeyTable | null,
  detail: number,
  depth: number,
): number {
  if (depth > MAX_DEPTH) return -1
  i = skipSpace(text, i + 1)
  if (text[i] === CLOSE_BRACE) return i + 1
  for (;;) {
    if (text[i] !== QUOTE) return -1
    const keyEnd = skipString(text, i)
    if (keyEnd === -1) return -1
    const slot = keys === null ? -1 : slotOf(text, keys, i + 1, keyEnd - 1)
    i = skipSpace(text, keyEnd)
    if (text[i] !== COLON) return -1
    i = skipSpace(text, i + 1)
    if (slot === -1) i = skipValue(text, i, depth)
    else if (slot >= PROMPT_DETAILS && slot <= OUTPUT_DETAILS) {
      i = readDetails(text, i, slot, depth)
      if (i !== -1) slots[slot] = valueRead
    } else {
      i = readCount(text, i, depth)
      if (i !== -1) slots[slot + detail] = valueRead
    }
    if (i === -1) return -1
    i = skipSpace(text, i)
    if (text[i] === CLOSE_BRACE) return i + 1
    if (text[i] !== COMMA) return -1
    i = skipSpace(text, i + 1)
  }
}

/** A `*_tokens_details` value; its kind goes to `valueRead`. */
function readDetails(text: Uint8Array, i: number, slot: number, depth: number): number {
  const first = text[i]
  if (first === OPEN_BRACE) {
    const offset = slot - PROMPT_DETAILS
    // A repeated key's later object replaces the earlier one, as in `JSON.parse`.
    slots[CACHED_OF + offset] = ABSENT
    slots[REASONING_OF + offset] = ABSENT
    const end = readObject(text, i, detailTable, offset, depth + 1)
    valueRead = DETAILS_OBJECT
    return end
  }
  valueRead = first === 110 /* n */ ? DETAILS_NULL : NOT_COUNT
  return skipValue(text, i, depth)
}

/** A count's value: a plain integer goes to `valueRead`; anything else JSON is NOT_COUNT. */
function readCount(text: Uint8Array, i: number, depth: number): number {
  const first = text[i]!
  if (first < ZERO || first > NINE) {
    // A negative number may still be a count to `JSON.parse` (-0); leave those to it.
    if (first === MINUS) return -1
    valueRead = NOT_COUNT
    return skipValue(text, i, depth)
  }
  let value = 0
  let at = i
  while (at < text.length && text[at]! >= ZERO && text[at]! <= NINE) {
    value = value * 10 + (text[at]! - ZERO)
    at++
  }
  const digits = at - i
  if (digits === 0 || digits > MAX_COUNT_DIGITS || (first === ZERO && digits > 1)) return -1
  // A fraction or exponent follows (5.0 and 1e3 are counts to `JSON.parse` too): the caller
  // then finds no `,` or `}` after the value and declines the object, leaving it to JSON.parse.
  valueRead = value
  return at
}

/** Any value of the subset, checked and skipped; the offset past it, or -1. */
function skipValue(text: Uint8Array, i: number, depth: number): number {
  const first = text[i]
  if (first === QUOTE) return skipString(text, i)
  if (first === OPEN_BRACE) return readObject(text, i, null, 0, depth + 1)
  if (first === 110 /* n */) return skipLiteral(text, i, nullBytes)
  if (first === 116 /* t */) return skipLiteral(text, i, trueBytes)
  if (first === 102 /* f */) return skipLiteral(text, i, falseBytes)
  if (first === MINUS || (first !== undefined && first >= ZERO && first <= NINE)) {
    return skipNumber(text, i)
  }
  return -1 // an array, or not JSON
}

/** Past the string at `i` (its opening quote); -1 for an escape or a control character. */
function skipString(text: Uint8Array, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text[i]!
    if (c === QUOTE) return i + 1
    if (c === BACKSLASH || c < 0x20) return -1
  }
  return -1
}

/** The slot of the key in `text[from, to)`, or -1 for a key this does not read. */
function slotOf(text: Uint8Array, table: KeyTable, from: number, to: number): number {
  const candidates = table[to - from]
  if (candidates === undefined) return -1
  for (const { bytes, slot } of candidates) {
    let k = 0
    while (k < bytes.length && text[from + k] === bytes[k]) k++
    if (k === bytes.length) return slot
  }
  return -1
}
