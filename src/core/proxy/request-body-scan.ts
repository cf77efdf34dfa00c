import { falseBytes, nullBytes, skipLiteral, skipNumber, trueBytes } from './json-scalars'
import { skipSpace, type TopLevelKeys } from './json-top-level'

/*
 * Reads what the proxy needs from a JSON request body (its top-level `model`, `stream` and
 * `stream_options`) straight from the bytes, checking the whole text as JSON on the way but
 * building nothing. `JSON.parse` of a small chat request, with its `toString`, measured ~2 µs of
 * the proxy's ~60 per request (docs/performance.md, "Eighth round"), and it grows with the body:
 * a long conversation is tens of kilobytes of strings that the proxy never looks at.
 *
 * It answers only for what it is sure `JSON.parse(body.toString('utf8'))` accepts as an object
 * and reads the same way (the last of repeated keys wins, as there); anything else — a syntax
 * error, a top-level key with an escape, nesting deeper than `MAX_DEPTH` — is `undefined`, and
 * the caller parses with `JSON.parse` as before, errors and all (property tests in
 * `request-body-scan.test.ts`). Every structural character is ASCII and every byte of a
 * multi-byte UTF-8 sequence is ≥ 0x80, so a scan of bytes sees the same structure as a parse of
 * the decoded text; what UTF-8 decoding would replace can only sit inside strings, where
 * anything ≥ 0x20 is allowed.
 */

/** Stands for a top-level `model` that is present but neither a string nor null. */
export const NOT_A_STRING: unique symbol = Symbol('not a string')

export interface RequestBodyTopLevel {
  /** The last top-level `model`: its text, null, `NOT_A_STRING`, or undefined when absent. */
  model: string | null | typeof NOT_A_STRING | undefined
  /** Whether the last top-level `stream` is `true`. */
  stream: boolean
  /**
   * The object's `{` and every top-level `stream_options` value, in order; null when they were
   * not located (a parsed body: the stream edit locates them if it needs them).
   */
  streamOptions: TopLevelKeys | null
}

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const MINUS = 45
const ZERO = 48
const NINE = 57
const LBRACE = 123
const RBRACE = 125
const LBRACKET = 91
const RBRACKET = 93
const LOWER_U = 117

/** Deeper bodies go to `JSON.parse`: no request needs them, and the stack below is fixed. */
const MAX_DEPTH = 512
const OBJECT = 1
const ARRAY = 2
const containers = new Uint8Array(MAX_DEPTH)

/** The escapes JSON allows after a backslash, `u` (four hex digits follow) included. */
const simpleEscape = new Uint8Array(128)
for (const c of '"\\/bfnrtu') simpleEscape[c.charCodeAt(0)] = 1
const hexDigit = new Uint8Array(128)
for (const c of '0123456789abcdefABCDEF') hexDigit[c.charCodeAt(0)] = 1

const modelKey = Buffer.from('model')
const streamKey = Buffer.from('stream')
const streamOptionsKey = Buffer.from('stream_options')

/** The top-level fields of a JSON object body, or undefined when `JSON.parse` must decide. */
export function scanRequestBody(body: Buffer): RequestBodyTopLevel | undefined {
  const open = skipSpace(body, 0)
  if (body[open] !== LBRACE) return undefined
  const streamOptions: TopLevelKeys = { open, spans: [] }
  const result: RequestBodyTopLevel = { model: undefined, stream: false, streamOptions }
  let i = skipSpace(body, open + 1)
  if (body[i] !== RBRACE) {
    for (;;) {
      if (body[i] !== QUOTE) return undefined
      const keyEnd = skipString(body, i)
      if (keyEnd === -1) return undefined
      const field = topLevelField(body, i + 1, keyEnd - 1)
      if (field === UNREADABLE_KEY) return undefined
      i = skipSpace(body, keyEnd)
      if (body[i] !== COLON) return undefined
      const start = skipSpace(body, i + 1)
      const end = skipValue(body, start)
      if (end === -1) return undefined
      if (field === MODEL) result.model = modelValue(body, start, end)
      else if (field === STREAM) result.stream = sameBytes(body, start, end, trueBytes)
      else if (field === STREAM_OPTIONS) streamOptions.spans.push({ start, end })
      i = skipSpace(body, end)
      if (body[i] === RBRACE) break
      if (body[i] !== COMMA) return undefined
      i = skipSpace(body, i + 1)
    }
  }
  return skipSpace(body, i + 1) === body.length ? result : undefined
}

const OTHER = 0
const MODEL = 1
const STREAM = 2
const STREAM_OPTIONS = 3
const UNREADABLE_KEY = 4

/** Which of the fields a key names; a key with an escape might name any of them. */
function topLevelField(body: Uint8Array, from: number, to: number): number {
  if (sameBytes(body, from, to, modelKey)) return MODEL
  if (sameBytes(body, from, to, streamKey)) return STREAM
  if (sameBytes(body, from, to, streamOptionsKey)) return STREAM_OPTIONS
  for (let k = from; k < to; k++) if (body[k] === BACKSLASH) return UNREADABLE_KEY
  return OTHER
}

/**
 * The last model name read and its bytes: clients send the same few names, and comparing a dozen
 * bytes costs less than decoding them into a new string each time (~0.2 µs a request).
 */
let lastModelBytes: Buffer = Buffer.alloc(0)
let lastModel = ''

function modelValue(body: Buffer, start: number, end: number): RequestBodyTopLevel['model'] {
  if (body[start] !== QUOTE) return sameBytes(body, start, end, nullBytes) ? null : NOT_A_STRING
  const from = start + 1
  const to = end - 1
  if (sameBytes(body, from, to, lastModelBytes)) return lastModel
  for (let k = from; k < to; k++) {
    if (body[k] === BACKSLASH) return JSON.parse(body.toString('utf8', start, end)) as string
  }
  const model = body.toString('utf8', from, to)
  if (to - from <= 64) {
    lastModelBytes = Buffer.from(body.subarray(from, to))
    lastModel = model
  }
  return model
}

function sameBytes(body: Uint8Array, from: number, to: number, bytes: Uint8Array): boolean {
  if (to - from !== bytes.length) return false
  for (let k = 0; k < bytes.length; k++) if (body[from + k] !== bytes[k]) return false
  return true
}

/** Bytes that end a run of plain string content: controls (invalid), `"` and `\\`. */
const stringStop = new Uint8Array(256)
for (let c = 0; c < 32; c++) stringStop[c] = 1
stringStop[QUOTE] = 1
stringStop[BACKSLASH] = 1

/** The offset past the string at `i` (its `"`), checked as JSON does; -1 if it is not one. */
function skipString(body: Uint8Array, i: number): number {
  const length = body.length
  i++
  for (;;) {
    while (i < length && stringStop[body[i] as number] === 0) i++
    if (i >= length) return -1
    const c = body[i] as number
    if (c === QUOTE) return i + 1
    if (c !== BACKSLASH) return -1
    const e = body[i + 1]
    if (e === undefined || e >= 128 || simpleEscape[e] !== 1) return -1
    if (e === LOWER_U) {
      for (let k = i + 2; k < i + 6; k++) {
        const h = body[k]
        if (h === undefined || h >= 128 || hexDigit[h] !== 1) return -1
      }
      i += 6
    } else i += 2
  }
}

/** A scalar at `i`: the offset past it, or -1. */
function skipScalar(body: Uint8Array, i: number): number {
  const c = body[i]
  if (c === QUOTE) return skipString(body, i)
  if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return skipNumber(body, i)
  if (c === 116) return skipLiteral(body, i, trueBytes)
  if (c === 102) return skipLiteral(body, i, falseBytes)
  if (c === 110) return skipLiteral(body, i, nullBytes)
  return -1
}

/**
 * The offset past the value at `i`, every nested value checked; -1 if it is not JSON (or nests
 * deeper than `MAX_DEPTH`). Iterative: a client's nesting never reaches the call stack.
 */
function skipValue(body: Uint8Array, i: number): number {
  let depth = 0
  for (;;) {
    // A value starts at `i`.
    const c = body[i]
    if (c === LBRACE || c === LBRACKET) {
      if (depth === MAX_DEPTH) return -1
      containers[depth++] = c === LBRACE ? OBJECT : ARRAY
      i = skipSpace(body, i + 1)
      const close = c === LBRACE ? RBRACE : RBRACKET
      if (body[i] === close) {
        depth--
        i++
      } else {
        if (c === LBRACE) {
          i = skipMemberName(body, i)
          if (i === -1) return -1
        }
        continue
      }
    } else {
      i = skipScalar(body, i)
      if (i === -1) return -1
    }
    // A value has ended at `i`: close what it ends, or move to the next one.
    for (;;) {
      if (depth === 0) return i
      i = skipSpace(body, i)
      const next = body[i]
      const kind = containers[depth - 1]
      if (next === COMMA) {
        i = skipSpace(body, i + 1)
        if (kind === OBJECT) {
          i = skipMemberName(body, i)
          if (i === -1) return -1
        }
        break
      }
      if (next !== (kind === OBJECT ? RBRACE : RBRACKET)) return -1
      depth--
      i++
    }
  }
}

/** A member's name and colon at `i`: the offset of its value, or -1. */
function skipMemberName(body: Uint8Array, i: number): number {
  if (body[i] !== QUOTE) return -1
  i = skipString(body, i)
  if (i === -1) return -1
  i = skipSpace(body, i)
  if (body[i] !== COLON) return -1
  return skipSpace(body, i + 1)
}
