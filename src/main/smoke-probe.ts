import type { PoolHealth } from './pool-health'

/** What the Electron smoke test reads from the main process (test/e2e/electron-smoke.spec.ts). */
export interface SmokeProbe {
  trayExists(): boolean
  trayHealth(): PoolHealth | undefined
  proxyUrl(): string | undefined
}

export const SMOKE_PROBE_GLOBAL = '__keypoolSmokeProbe'

/**
 * Publishes the probe on the main process's global object, only when KEYPOOL_SMOKE_TEST=1:
 * Playwright's `electronApp.evaluate` runs there and has no other way to see the tray, which
 * Electron cannot enumerate. It exposes read-only facts, nothing to the renderer.
 */
export function exposeSmokeProbe(
  env: Readonly<Record<string, string | undefined>>,
  probe: SmokeProbe,
): void {
  if (env.KEYPOOL_SMOKE_TEST !== '1') return
  Object.defineProperty(globalThis, SMOKE_PROBE_GLOBAL, {
    value: Object.freeze(probe),
    configurable: true,
  })
}
