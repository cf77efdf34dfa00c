import { describe, expect, it } from 'vitest'
import { csvField } from '../../../../src/core/keys/csv'
import { isKeyToken, maskParts, maskedDisplay } from '../../../../src/core/keys/key-token'

describe('masking', () => {
  it('keeps a short dash prefix and the last 4, never more', () => {
    expect(maskedDisplay(maskParts('sk-proj-abcdefghijklmnopqrstuvwxyz1234'))).toBe('sk-…1234')
    expect(maskedDisplay(maskParts('sk-or-v1-0123456789abcdef0123456789abcd'))).toBe('sk-…abcd')
    expect(maskedDisplay(maskParts('gsk_0123456789abcdefghijWXYZ'))).toBe('…WXYZ')
    expect(maskedDisplay(maskParts('longprefix-0123456789abcdef'))).toBe('…cdef')
    expect(maskedDisplay(maskParts('sk-short9'))).toBe('…ort9')
  })

  it('recognises key-looking tokens', () => {
    expect(isKeyToken('sk-12345')).toBe(true)
    expect(isKeyToken('sk-1234')).toBe(false)
    expect(isKeyToken('sk 12345678')).toBe(false)
    expect(isKeyToken('sk-1234\u00e9678')).toBe(false)
  })
})

describe('csvField', () => {
  it('quotes where needed and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "x"')).toBe('"say ""x"""')
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"')
    expect(csvField('@sum')).toBe("'@sum")
    expect(csvField(null)).toBe('')
    expect(csvField(12)).toBe('12')
  })
})
