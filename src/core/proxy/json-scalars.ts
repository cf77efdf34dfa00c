/*
 * JSON's scalar grammar on bytes, for the readers that check JSON without building it
 * (`request-body-scan.ts`, `usage-bytes-reader.ts`): each function takes the offset where a
 * value starts and answers the offset past it, or -1 when the bytes there are not that value.
 */

const MINUS = 45
const ZERO = 48
const NINE = 57
const PLUS = 43
const DOT = 46
const LOWER_E = 101
const UPPER_E = 69

export const trueBytes = Buffer.from('true')
export const falseBytes = Buffer.from('false')
export const nullBytes = Buffer.from('null')

/** The literal `literal` (`trueBytes`, `falseBytes` or `nullBytes`) at `i`. */
export function skipLiteral(text: Uint8Array, i: number, literal: Uint8Array): number {
  for (let k = 0; k < literal.length; k++) if (text[i + k] !== literal[k]) return -1
  return i + literal.length
}

/** JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
export function skipNumber(text: Uint8Array, i: number): number {
  if (text[i] === MINUS) i++
  if (text[i] === ZERO) i++
  else {
    const from = i
    i = skipDigits(text, i)
    if (i === from) return -1
  }
  if (text[i] === DOT) {
    const from = i + 1
    i = skipDigits(text, from)
    if (i === from) return -1
  }
  if (text[i] === LOWER_E || text[i] === UPPER_E) {
    i++
    if (text[i] === PLUS || text[i] === MINUS) i++
    const from = i
    i = skipDigits(text, from)
    if (i === from) return -1
  }
  return i
}

function skipDigits(text: Uint8Array, i: number): number {
  while (i < text.length && text[i]! >= ZERO && text[i]! <= NINE) i++
  return i
}
