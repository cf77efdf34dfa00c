import { describe, expect, it } from 'vitest'
import { en } from '../../../src/renderer/src/locales/en'
import { zhCN } from '../../../src/renderer/src/locales/zh-cn'
import { adminErrorStatus } from '../../../src/shared/errors'

function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix]
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    leaves(child, prefix ? `${prefix}.${key}` : key),
  )
}

/** Every renderer source file, as text (Vite's glob import: this test runs in happy-dom). */
const sources = import.meta.glob<string>('../../../src/renderer/src/**/*.{ts,vue}', {
  query: '?raw',
  import: 'default',
  eager: true,
})

describe('the UI text', () => {
  const english = new Set(leaves(en))

  it('has the same keys in English and Simplified Chinese', () => {
    expect(leaves(zhCN).sort()).toEqual([...english].sort())
  })

  it('translates every stable admin error code', () => {
    for (const code of Object.keys(adminErrorStatus)) expect(english).toContain(`errors.${code}`)
  })

  it('defines every literal key the renderer passes to t()', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20)
    const missing: string[] = []
    for (const [file, text] of Object.entries(sources)) {
      for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
        if (!english.has(match[1]!)) missing.push(`${file}: ${match[1]}`)
      }
    }
    expect(missing).toEqual([])
  })
})
