// `node scripts/make-icons.mjs`: draws the tray icons (per pool health, @1x and @2x, coloured and
// macOS template variants) and the app icons as PNGs. Plain Node, no image library: the shapes
// are signed distance functions, anti-aliased by pixel coverage, encoded with node:zlib.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// --- PNG encoding (8-bit RGBA, no filtering) -----------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes) {
  let c = 0xffffffff
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** Encodes straight-alpha RGBA bytes (`size`×`size`) as a PNG file. */
function encodePng(size, rgba) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 6, 0, 0, 0], 8) // bit depth 8, colour type RGBA, deflate, no filter, no interlace
  const rows = Buffer.alloc((size * 4 + 1) * size)
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0 // filter type "None"
    rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// --- Drawing: shapes as signed distances (negative inside), in pixels ----------------------------
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r
const ring = (cx, cy, r, width) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2
const box =
  (x0, y0, x1, y1, radius = 0) =>
  (x, y) => {
    const qx = Math.abs(x - (x0 + x1) / 2) - (x1 - x0) / 2 + radius
    const qy = Math.abs(y - (y0 + y1) / 2) - (y1 - y0) / 2 + radius
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius
  }
const union =
  (...shapes) =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)))
const intersect =
  (...shapes) =>
  (x, y) =>
    Math.max(...shapes.map((s) => s(x, y)))
const subtract = (a, b) => (x, y) => Math.max(a(x, y), -b(x, y))

const hex = (value, alpha = 1) => [
  parseInt(value.slice(1, 3), 16) / 255,
  parseInt(value.slice(3, 5), 16) / 255,
  parseInt(value.slice(5, 7), 16) / 255,
  alpha,
]

/** A premultiplied float canvas; `paint` composites a shape "over" what is there. */
function canvas(size) {
  const px = new Float64Array(size * size * 4)
  return {
    paint(shape, color) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const coverage = Math.min(1, Math.max(0, 0.5 - shape(x + 0.5, y + 0.5)))
          if (coverage === 0) continue
          const [r, g, b, a] = typeof color === 'function' ? color(x + 0.5, y + 0.5) : color
          const alpha = a * coverage
          const i = (y * size + x) * 4
          px[i] = r * alpha + px[i] * (1 - alpha)
          px[i + 1] = g * alpha + px[i + 1] * (1 - alpha)
          px[i + 2] = b * alpha + px[i + 2] * (1 - alpha)
          px[i + 3] = alpha + px[i + 3] * (1 - alpha)
        }
      }
      return this
    },
    png() {
      const out = new Uint8Array(size * size * 4)
      for (let i = 0; i < px.length; i += 4) {
        const a = px[i + 3]
        for (let c = 0; c < 3; c++) out[i + c] = a > 0 ? Math.round((px[i + c] / a) * 255) : 0
        out[i + 3] = Math.round(a * 255)
      }
      return encodePng(size, out)
    },
  }
}

// --- Tray icons ----------------------------------------------------------------------------------
const HEALTH_COLOURS = {
  green: { fill: '#22c55e', ring: '#15803d' },
  amber: { fill: '#f59e0b', ring: '#b45309' },
  red: { fill: '#ef4444', ring: '#b91c1c' },
  grey: { fill: '#9ca3af', ring: '#4b5563' },
}

/** A filled disc with a subtle darker ring, so it reads on light and dark taskbars alike. */
function colouredTrayIcon(size, health) {
  const c = size / 2
  const r = size * 0.42
  const rim = size / 16
  return canvas(size)
    .paint(circle(c, c, r), hex(HEALTH_COLOURS[health].ring))
    .paint(circle(c, c, r - rim), hex(HEALTH_COLOURS[health].fill))
    .paint(intersect(circle(c, c - r * 0.3, r * 0.45), circle(c, c, r - rim * 2)), [1, 1, 1, 0.18])
    .png()
}

/**
 * macOS menu-bar templates are black + alpha and recoloured by the system, so each state needs a
 * shape of its own: a full pool (green), half full (amber), empty (red), a dashed outline (grey).
 */
function templateTrayIcon(size, health) {
  const c = size / 2
  const r = size * 0.42
  const line = size / 10
  const black = [0, 0, 0, 1]
  const image = canvas(size)
  if (health === 'green') return image.paint(circle(c, c, r), black).png()
  if (health === 'amber') {
    const lowerHalf = intersect(circle(c, c, r), box(0, c, size, size))
    return image.paint(union(ring(c, c, r - line / 2, line), lowerHalf), black).png()
  }
  if (health === 'red') return image.paint(ring(c, c, r - line * 0.75, line * 1.5), black).png()
  const dashes = 8
  const gaps = (x, y) => {
    const angle = Math.atan2(y - c, x - c) + Math.PI / dashes / 2
    const phase = ((((angle / (2 * Math.PI)) * dashes) % 1) + 1) % 1
    return (Math.abs(phase - 0.5) - 0.25) * ((2 * Math.PI * r) / dashes)
  }
  return image.paint(intersect(ring(c, c, r - line / 2, line), gaps), black).png()
}

// --- App icon: a key above a pool, on a rounded square -------------------------------------------
function appIcon(size) {
  const s = size / 512
  const tile = box(48 * s, 48 * s, 464 * s, 464 * s, 92 * s)
  const sky = (_x, y) => mix(hex('#3b82f6'), hex('#1e3a8a'), y / size)
  const wave = (x, y) => (318 * s + 12 * s * Math.sin(x / (34 * s)) - y) * 0.95
  const water = (_x, y) => mix(hex('#22d3ee', 0.8), hex('#0e7490', 0.95), (y - 300 * s) / (164 * s))
  const bow = subtract(circle(176 * s, 236 * s, 84 * s), circle(176 * s, 236 * s, 40 * s))
  const shaft = box(236 * s, 218 * s, 412 * s, 254 * s, 10 * s)
  const teeth = union(
    box(344 * s, 240 * s, 370 * s, 302 * s, 6 * s),
    box(386 * s, 240 * s, 412 * s, 290 * s, 6 * s),
  )
  const key = union(bow, shaft, teeth)
  const keyShadow = (x, y) => key(x - 6 * s, y - 8 * s)
  return canvas(size)
    .paint(tile, sky)
    .paint(intersect(tile, keyShadow), [0, 0, 0, 0.25])
    .paint(key, hex('#fbbf24'))
    .paint(intersect(tile, wave), water)
    .paint(
      intersect(tile, (x, y) => Math.abs(wave(x, y)) - 4 * s),
      [1, 1, 1, 0.55],
    )
    .png()
}

function mix(a, b, t) {
  const k = Math.min(1, Math.max(0, t))
  return a.map((v, i) => v + (b[i] - v) * k)
}

function write(relative, bytes) {
  const file = path.join(root, relative)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
  console.log(`${relative} (${bytes.length} bytes)`)
}

for (const health of Object.keys(HEALTH_COLOURS)) {
  write(`resources/tray/tray-${health}.png`, colouredTrayIcon(16, health))
  write(`resources/tray/tray-${health}@2x.png`, colouredTrayIcon(32, health))
  write(`resources/tray/trayTemplate-${health}.png`, templateTrayIcon(16, health))
  write(`resources/tray/trayTemplate-${health}@2x.png`, templateTrayIcon(32, health))
}
write('build/icon.png', appIcon(512))
write('resources/icon.png', appIcon(256))
