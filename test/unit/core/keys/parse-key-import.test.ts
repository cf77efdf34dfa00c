import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../../../src/core/keys/csv'
import { parseKeyImport } from '../../../../src/core/keys/parse-key-import'
import { AppError } from '../../../../src/core/errors'

const key = (n: number): string => `sk-imp-${String(n).padStart(24, '0')}`

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, commas and newlines inside quotes, CRLF', () => {
    expect(parseCsv('a,"b, c","say ""hi"""\r\n"multi\nline",x,\n')).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['multi\nline', 'x', ''],
    ])
  })
})

describe('parseKeyImport', () => {
  it('reads txt like pasted text', () => {
    expect(parseKeyImport('txt', `# c\n${key(1)},one\nbad`)).toEqual({
      entries: [{ secret: key(1), label: 'one' }],
      malformed: 1,
    })
  })

  it('reads csv without a header as key,label,weight by position', () => {
    const csv = `${key(1)}\n${key(2)},"team, a",5\n${key(3)},,\n${key(4)},x,9999\n\n# note\n`
    expect(parseKeyImport('csv', csv)).toEqual({
      entries: [
        { secret: key(1), label: '' },
        { secret: key(2), label: 'team, a', weight: 5 },
        { secret: key(3), label: '' },
      ],
      malformed: 1,
    })
  })

  it('reads csv with a header row in any column order', () => {
    const csv = `weight,Label,KEY\n3,alpha,${key(1)}\n,beta,${key(2)}\n0,gamma,${key(3)}\n`
    expect(parseKeyImport('csv', csv)).toEqual({
      entries: [
        { secret: key(1), label: 'alpha', weight: 3 },
        { secret: key(2), label: 'beta' },
      ],
      malformed: 1,
    })
  })

  it('reads json arrays of strings and of {key, label?, weight?}', () => {
    const json = JSON.stringify([
      key(1),
      { key: key(2), label: 'two', weight: 7 },
      { key: key(3) },
      { key: 'short' },
      { label: 'no key' },
      42,
      null,
      { key: key(4), weight: 0 },
    ])
    expect(parseKeyImport('json', json)).toEqual({
      entries: [
        { secret: key(1), label: '' },
        { secret: key(2), label: 'two', weight: 7 },
        { secret: key(3), label: '' },
      ],
      malformed: 5,
    })
  })

  it('refuses json that is not an array, or not json, as invalid input', () => {
    for (const content of ['{"key":"x"}', 'not json', '']) {
      expect(() => parseKeyImport('json', content)).toThrow(AppError)
    }
    try {
      parseKeyImport('json', `["${key(1)}"`)
    } catch (error) {
      expect((error as AppError).code).toBe('invalid_input')
      expect((error as AppError).message).not.toContain(key(1))
    }
  })
})
