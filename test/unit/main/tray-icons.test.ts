import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { POOL_HEALTHS } from '../../../src/main/pool-health'

const root = path.resolve(import.meta.dirname, '../../..')

/** Width, height and RGBA pixels of a PNG written by scripts/make-icons.mjs (RGBA, filter 0). */
function readPng(file: string): { width: number; height: number; pixels: Buffer } {
  const bytes = fs.readFileSync(file)
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]))
  let offset = 8
  let width = 0
  let height = 0
  const data: Buffer[] = []
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset)
    const type = bytes.toString('latin1', offset + 4, offset + 8)
    const body = bytes.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      expect([...body.subarray(8, 10)]).toEqual([8, 6]) // 8-bit RGBA
    }
    if (type === 'IDAT') data.push(body)
    offset += 12 + length
  }
  const raw = zlib.inflateSync(Buffer.concat(data))
  const pixels = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1))
  }
  return { width, height, pixels }
}

describe('the generated icons', () => {
  it.each(POOL_HEALTHS)('exist for %s at 1x and 2x, coloured and as templates', (health) => {
    for (const [suffix, size] of [
      ['', 16],
      ['@2x', 32],
    ] as const) {
      const coloured = readPng(path.join(root, `resources/tray/tray-${health}${suffix}.png`))
      expect([coloured.width, coloured.height]).toEqual([size, size])
      const template = readPng(
        path.join(root, `resources/tray/trayTemplate-${health}${suffix}.png`),
      )
      expect([template.width, template.height]).toEqual([size, size])
      for (let i = 0; i < template.pixels.length; i += 4) {
        expect(template.pixels.readUIntBE(i, 3)).toBe(0) // black + alpha only
      }
    }
  })

  it('give each template state its own shape', () => {
    const alphas = POOL_HEALTHS.map((health) => {
      const { pixels } = readPng(path.join(root, `resources/tray/trayTemplate-${health}@2x.png`))
      return [...pixels.filter((_v, i) => i % 4 === 3)].join(',')
    })
    expect(new Set(alphas).size).toBe(POOL_HEALTHS.length)
  })

  it('include the app icons at 512 and 256', () => {
    expect(readPng(path.join(root, 'build/icon.png')).width).toBe(512)
    expect(readPng(path.join(root, 'resources/icon.png')).width).toBe(256)
  })
})
