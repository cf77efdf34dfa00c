import { describe, expect, it } from 'vitest'
import { parseKeyLines } from '../../../../src/core/keys/parse-key-lines'

const key = (n: number): string => `sk-test-${String(n).padStart(24, '0')}`

describe('parseKeyLines (bulk add text)', () => {
  it('reads one key per line, skipping blank lines and # comments, trimming whitespace', () => {
    const text = [
      '# my keys',
      '',
      `  ${key(1)}  `,
      '\t',
      `${key(2)}`,
      '   # indented comment',
      `${key(3)}\r`,
    ].join('\n')
    expect(parseKeyLines(text)).toEqual({
      entries: [
        { secret: key(1), label: '' },
        { secret: key(2), label: '' },
        { secret: key(3), label: '' },
      ],
      malformed: 0,
    })
  })

  it('takes "key,label" with the label trimmed and allowed to hold commas', () => {
    const { entries } = parseKeyLines(`${key(1)} , team a\n${key(2)},prod, eu-west\n${key(3)},`)
    expect(entries).toEqual([
      { secret: key(1), label: 'team a' },
      { secret: key(2), label: 'prod, eu-west' },
      { secret: key(3), label: '' },
    ])
  })

  it('counts lines that do not look like a key as malformed', () => {
    const text = [
      'short',
      'has a space inside it',
      'x'.repeat(513),
      `${key(1)},${'l'.repeat(129)}`,
      'ключ-не-ascii-символы',
      key(2),
      ',label only',
    ].join('\n')
    expect(parseKeyLines(text)).toEqual({
      entries: [{ secret: key(2), label: '' }],
      malformed: 6,
    })
  })

  it('accepts CRLF, CR and a byte-order mark, and keeps duplicates for the caller to count', () => {
    const { entries, malformed } = parseKeyLines(`\uFEFF${key(1)}\r\n${key(1)}\r${key(2)}`)
    expect(entries.map((entry) => entry.secret)).toEqual([key(1), key(1), key(2)])
    expect(malformed).toBe(0)
  })

  it('accepts the shortest and longest key-looking tokens', () => {
    const { entries } = parseKeyLines(`12345678\n${'k'.repeat(512)}\n1234567`)
    expect(entries).toHaveLength(2)
  })
})
