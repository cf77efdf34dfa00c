import fs from 'node:fs'
import path from 'node:path'
import { BrowserWindow } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_WINDOW_STATE,
  isVisibleOnSomeDisplay,
  loadWindowState,
  parseWindowState,
  restoreWindowState,
  trackWindowState,
} from '../../../src/main/window-state'
import { tempDir } from '../../support/temp-dir'

const laptop = { x: 0, y: 0, width: 1440, height: 860 }
const external = { x: 1440, y: -200, width: 2560, height: 1400 }

interface FakeWindow {
  bounds: { x: number; y: number; width: number; height: number }
  maximized: boolean
  emit(event: string, ...args: unknown[]): void
  destroy(): void
}

describe('restoring the window state', () => {
  it('keeps saved bounds that are on a connected display', () => {
    const saved = { x: 1600, y: 0, width: 1200, height: 900, maximized: true }
    expect(restoreWindowState(saved, [laptop, external])).toEqual(saved)
  })

  it('centres the window when its display is gone', () => {
    const saved = { x: 1600, y: 0, width: 1200, height: 800, maximized: false }
    expect(restoreWindowState(saved, [laptop])).toEqual({
      width: 1200,
      height: 800,
      maximized: false,
    })
  })

  it('clamps the size between the minimum and the largest display', () => {
    expect(restoreWindowState({ width: 5000, height: 100, maximized: false }, [laptop])).toEqual({
      width: 1440,
      height: 520,
      maximized: false,
    })
  })

  it('falls back to sane defaults, fitted to a small screen', () => {
    expect(restoreWindowState(undefined, [external])).toEqual(DEFAULT_WINDOW_STATE)
    const small = { x: 0, y: 0, width: 1024, height: 700 }
    expect(restoreWindowState(undefined, [small])).toEqual({
      width: 1024,
      height: 700,
      maximized: false,
    })
  })

  it('needs the title bar on screen, not just a corner', () => {
    const size = { width: 800, height: 600 }
    expect(isVisibleOnSomeDisplay({ x: 100, y: 100, ...size }, [laptop])).toBe(true)
    expect(isVisibleOnSomeDisplay({ x: 1400, y: 100, ...size }, [laptop])).toBe(false) // 40 px
    expect(isVisibleOnSomeDisplay({ x: 100, y: -30, ...size }, [laptop])).toBe(false)
    expect(isVisibleOnSomeDisplay({ x: -700, y: 800, ...size }, [laptop])).toBe(true)
    expect(isVisibleOnSomeDisplay({ x: 100, y: 100, ...size }, [])).toBe(false)
  })

  it('rejects saved files of the wrong shape', () => {
    expect(parseWindowState(null)).toBeUndefined()
    expect(parseWindowState('x')).toBeUndefined()
    expect(parseWindowState({ width: '800', height: 600 })).toBeUndefined()
    expect(parseWindowState({ width: 800, height: Infinity })).toBeUndefined()
    expect(parseWindowState({ width: 800.4, height: 600, x: 'a', y: 3 })).toEqual({
      width: 800,
      height: 600,
      maximized: false,
    })
  })

  it('reads from a file and survives a missing or corrupt one', () => {
    const dir = tempDir()
    const file = path.join(dir, 'window-state.json')
    expect(loadWindowState(file, [laptop])).toEqual(DEFAULT_WINDOW_STATE)
    fs.writeFileSync(file, '{ not json')
    expect(loadWindowState(file, [laptop])).toEqual(DEFAULT_WINDOW_STATE)
    fs.writeFileSync(file, JSON.stringify({ x: 10, y: 20, width: 900, height: 700 }))
    expect(loadWindowState(file, [laptop])).toEqual({
      x: 10,
      y: 20,
      width: 900,
      height: 700,
      maximized: false,
    })
  })
})

describe('tracking the window state', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function setup() {
    const file = path.join(tempDir(), 'window-state.json')
    const window = new BrowserWindow({ x: 10, y: 20, width: 900, height: 700 })
    const fake = window as unknown as FakeWindow
    const write = vi.fn()
    const tracker = trackWindowState(window, file, { debounceMs: 500, write })
    return { file, window, fake, write, tracker }
  }

  it('saves once after a burst of moves, with the normal bounds', () => {
    const { fake, write, file } = setup()
    for (let x = 10; x < 200; x += 10) {
      fake.bounds.x = x
      fake.emit('move')
      vi.advanceTimersByTime(100)
    }
    expect(write).not.toHaveBeenCalled()
    vi.advanceTimersByTime(500)
    expect(write).toHaveBeenCalledExactlyOnceWith(file, {
      x: 190,
      y: 20,
      width: 900,
      height: 700,
      maximized: false,
    })
  })

  it('saves at once on close and on flush, and records maximized', () => {
    const { fake, write, tracker, file } = setup()
    fake.maximized = true
    fake.emit('maximize')
    fake.emit('close', { preventDefault() {} })
    expect(write).toHaveBeenCalledExactlyOnceWith(
      file,
      expect.objectContaining({ maximized: true }),
    )
    tracker.flush()
    expect(write).toHaveBeenCalledTimes(2)
  })

  it('stops after dispose and never touches a destroyed window', () => {
    const { fake, write, tracker } = setup()
    tracker.dispose()
    fake.emit('resize')
    vi.advanceTimersByTime(1_000)
    expect(write).not.toHaveBeenCalled()
    fake.destroy()
    tracker.flush()
    expect(write).not.toHaveBeenCalled()
  })

  it('writes a private JSON file by default', () => {
    const file = path.join(tempDir(), 'nested', 'window-state.json')
    const window = new BrowserWindow({ x: 1, y: 2, width: 800, height: 600 })
    trackWindowState(window, file).flush()
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      x: 1,
      y: 2,
      width: 800,
      height: 600,
      maximized: false,
    })
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })
})
