import type { BrowserWindow, Rectangle } from 'electron'
import { readJsonFile, writeJsonFile } from './json-file'

export const WINDOW_STATE_FILE_NAME = 'window-state.json'

/** The remembered window: normal (un-maximized) bounds plus whether it was maximized. */
export interface WindowState {
  /** Absent when the window should be centred by the OS. */
  x?: number
  y?: number
  width: number
  height: number
  maximized: boolean
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false }
export const MIN_WINDOW_SIZE = { width: 760, height: 520 }

/** How much of a window must lie on a display to count as reachable (about a title bar). */
const MIN_VISIBLE = { width: 100, height: 40 }

/** A saved state if it has the right shape, else undefined (a hand-edited file must not crash). */
export function parseWindowState(raw: unknown): WindowState | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const value = raw as Record<string, unknown>
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
  if (!finite(value.width) || !finite(value.height)) return undefined
  const state: WindowState = {
    width: Math.round(value.width),
    height: Math.round(value.height),
    maximized: value.maximized === true,
  }
  if (finite(value.x) && finite(value.y)) {
    state.x = Math.round(value.x)
    state.y = Math.round(value.y)
  }
  return state
}

/** True when enough of `bounds` (its top strip, where the title bar is) lies on a work area. */
export function isVisibleOnSomeDisplay(bounds: Rectangle, workAreas: Rectangle[]): boolean {
  const strip = { ...bounds, height: Math.min(bounds.height, MIN_VISIBLE.height) }
  return workAreas.some((area) => {
    const width = Math.min(strip.x + strip.width, area.x + area.width) - Math.max(strip.x, area.x)
    const height =
      Math.min(strip.y + strip.height, area.y + area.height) - Math.max(strip.y, area.y)
    return width >= Math.min(MIN_VISIBLE.width, bounds.width) && height >= strip.height
  })
}

/**
 * The state to open the window with: the saved one when it is still reachable on a connected
 * display (monitors get unplugged, resolutions change), else a centred window of the saved or
 * default size. Sizes are kept between the window's minimum and the largest work area.
 */
export function restoreWindowState(
  saved: WindowState | undefined,
  workAreas: Rectangle[],
): WindowState {
  const base = saved ?? DEFAULT_WINDOW_STATE
  const maxWidth = Math.max(MIN_WINDOW_SIZE.width, ...workAreas.map((a) => a.width))
  const maxHeight = Math.max(MIN_WINDOW_SIZE.height, ...workAreas.map((a) => a.height))
  const clamp = (v: number, min: number, max: number): number => Math.min(max, Math.max(min, v))
  const state: WindowState = {
    width: clamp(base.width, MIN_WINDOW_SIZE.width, maxWidth),
    height: clamp(base.height, MIN_WINDOW_SIZE.height, maxHeight),
    maximized: base.maximized,
  }
  if (base.x !== undefined && base.y !== undefined) {
    const bounds = { x: base.x, y: base.y, width: state.width, height: state.height }
    if (isVisibleOnSomeDisplay(bounds, workAreas)) Object.assign(state, { x: base.x, y: base.y })
  }
  return state
}

/** Reads the saved state from `file` and fits it to the current displays. */
export function loadWindowState(file: string, workAreas: Rectangle[]): WindowState {
  return restoreWindowState(parseWindowState(readJsonFile(file)), workAreas)
}

export interface WindowStateTracker {
  /** Writes a pending change now (at quit, before the process exits). */
  flush(): void
  dispose(): void
}

/**
 * Saves the window's state to `file` as it moves and resizes, debounced (a drag fires dozens of
 * events a second), and at once when the window closes or hides to the tray.
 */
export function trackWindowState(
  window: BrowserWindow,
  file: string,
  options: { debounceMs?: number; write?: (file: string, state: WindowState) => void } = {},
): WindowStateTracker {
  const write = options.write ?? writeJsonFile
  let timer: ReturnType<typeof setTimeout> | undefined
  let pending: WindowState | undefined

  const capture = (): void => {
    if (window.isDestroyed()) return
    const bounds = window.getNormalBounds()
    pending = { ...bounds, maximized: window.isMaximized() }
  }
  const flush = (): void => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (!pending) return
    const state = pending
    pending = undefined
    try {
      write(file, state)
    } catch {
      // Losing the window position is not worth an error dialog.
    }
  }
  const schedule = (): void => {
    capture()
    if (timer) clearTimeout(timer)
    timer = setTimeout(flush, options.debounceMs ?? 500)
  }
  const closeNow = (): void => {
    capture()
    flush()
  }

  const events = ['resize', 'move', 'maximize', 'unmaximize'] as const
  for (const event of events) window.on(event as 'resize', schedule)
  window.on('close', closeNow)
  return {
    flush: () => {
      capture()
      flush()
    },
    dispose: () => {
      if (timer) clearTimeout(timer)
      timer = undefined
      for (const event of events) window.removeListener(event as 'resize', schedule)
      window.removeListener('close', closeNow)
    },
  }
}
