/**
 * The number a string of ASCII decimal digits spells, or null for anything else (an empty
 * string, a sign, a space, a fraction, other scripts' digits). A loop over char codes instead of
 * a regular expression and `Number`: header values on every proxied request go through it.
 */
export function decimalDigitsValue(text: string): number | null {
  if (text.length === 0) return null
  let value = 0
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return null
    value = value * 10 + digit
  }
  // Past 15 digits the running sum may round differently from the parse of the whole.
  return text.length > 15 ? Number(text) : value
}
