import { describe, expect, it } from 'vitest'
import { formatOfFile, previewKeys } from '../../../src/renderer/src/utils/key-preview'

describe('the add-keys preview', () => {
  it('counts lines, keys, in-batch duplicates and malformed lines like the server parses them', () => {
    const text = [
      '# comment',
      '',
      'sk-aaaaaaaaaaaaaaaa',
      'sk-bbbbbbbbbbbbbbbb,team key',
      'sk-aaaaaaaaaaaaaaaa,again',
      'has space in it',
      'short',
      '  sk-cccccccccccccccc  ',
    ].join('\r\n')
    expect(previewKeys(text)).toEqual({ lines: 6, keys: 3, duplicates: 1, malformed: 2 })
  })

  it('skips a CSV header and reads JSON lists of strings or objects', () => {
    expect(previewKeys('key,label\nsk-aaaaaaaaaaaa,one\n"sk-bbbbbbbbbbbb",two', 'csv')).toEqual({
      lines: 2,
      keys: 2,
      duplicates: 0,
      malformed: 0,
    })
    expect(
      previewKeys(
        JSON.stringify(['sk-aaaaaaaaaaaa', { key: 'sk-aaaaaaaaaaaa' }, { label: 'x' }]),
        'json',
      ),
    ).toEqual({ lines: 3, keys: 1, duplicates: 1, malformed: 1 })
    expect(previewKeys('{not json', 'json').malformed).toBe(1)
  })

  it('handles 100,000 lines quickly', () => {
    const text = Array.from(
      { length: 100_000 },
      (_, i) => `sk-${String(i).padStart(12, '0')}`,
    ).join('\n')
    const started = performance.now()
    expect(previewKeys(text).keys).toBe(100_000)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('picks the format from the file name', () => {
    expect(formatOfFile('Keys.CSV')).toBe('csv')
    expect(formatOfFile('backup.json')).toBe('json')
    expect(formatOfFile('keys.txt')).toBe('txt')
  })
})
