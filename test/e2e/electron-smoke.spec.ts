import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { _electron as electron, type ElectronApplication } from 'playwright-core'
import { SMOKE_PROBE_GLOBAL, type SmokeProbe } from '../../src/main/smoke-probe'
import type { KeyPoolBridge } from '../../src/shared/ipc-channels'

const root = path.resolve(import.meta.dirname, '../..')

/**
 * The installed Electron binary, found the way `electron/index.js` finds it but without
 * requiring that file: requiring it starts a download when the binary is missing, which hangs or
 * fails on machines that only reach the npm registry.
 */
function findElectronBinary(): { binary: string } | { reason: string } {
  let packageDir: string
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return { reason: 'the electron package is not installed' }
  }
  const pathFile = path.join(packageDir, 'path.txt')
  if (!fs.existsSync(pathFile)) {
    return {
      reason:
        'the Electron binary is not installed (no node_modules/electron/path.txt). It is ' +
        'downloaded on first use from outside the npm registry; on a machine with internet run ' +
        '`npx install-electron`, as the CI workflow does.',
    }
  }
  const relative = fs.readFileSync(pathFile, 'utf8').trim()
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(packageDir, 'dist')
  const binary = path.join(distDir, relative)
  if (!fs.existsSync(binary)) return { reason: `the Electron binary ${binary} is missing` }
  return { binary }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Reads the main process's smoke probe (src/main/smoke-probe.ts). */
function probe<K extends keyof SmokeProbe>(
  app: ElectronApplication,
  name: K,
): Promise<ReturnType<SmokeProbe[K]>> {
  return app.evaluate(
    (_electron, [global, method]) =>
      (globalThis as unknown as Record<string, Record<string, () => unknown>>)[global]![method]!(),
    [SMOKE_PROBE_GLOBAL, name] as const,
  ) as Promise<ReturnType<SmokeProbe[K]>>
}

const found = findElectronBinary()
// The list reporter shows a skipped test without its reason: say it once, at collection.
if ('reason' in found) console.log(`electron-smoke.spec.ts: skipped, ${found.reason}`)

test.describe('the desktop app in real Electron', () => {
  test.skip('reason' in found, `Electron smoke test skipped: ${'reason' in found && found.reason}`)

  test('launches, loads the UI from app://, answers over IPC and on the proxy port, quits cleanly', async () => {
    if (!('binary' in found)) return
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypool-electron-'))
    const port = await freePort()
    const env = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => !!entry[1]),
    )
    // `root` as the app folder: Electron runs package.json's main, out/main/index.js.
    const app = await electron.launch({
      executablePath: found.binary,
      args: [root],
      cwd: root,
      env: {
        ...env,
        KEYPOOL_DATA_DIR: dataDir,
        KEYPOOL_PORT: String(port),
        KEYPOOL_SMOKE_TEST: '1',
      },
      timeout: 60_000,
    })
    try {
      const page = await app.firstWindow()
      await page.waitForLoadState('domcontentloaded')
      expect(page.url()).toBe('app://keypool/index.html')

      // E2: exactly `request` and `on`, frozen; no Node in the page.
      const bridge = await page.evaluate(() => {
        const keypool = (globalThis as unknown as { keypool: KeyPoolBridge }).keypool
        return {
          keys: Object.keys(keypool).sort(),
          frozen: Object.isFrozen(keypool),
          require: typeof (globalThis as Record<string, unknown>).require,
          process: typeof (globalThis as Record<string, unknown>).process,
        }
      })
      expect(bridge).toEqual({
        keys: ['on', 'request'],
        frozen: true,
        require: 'undefined',
        process: 'undefined',
      })

      // A contract call round-trips over IPC.
      const settings = await page.evaluate(() =>
        (globalThis as unknown as { keypool: KeyPoolBridge }).keypool.request('settings.get', {}),
      )
      expect(settings).toMatchObject({ ok: true, data: { proxy: { host: '127.0.0.1' } } })

      // The tray exists and the proxy answers on its port.
      await expect.poll(() => probe(app, 'trayExists')).toBe(true)
      await expect.poll(() => probe(app, 'proxyUrl')).toBe(`http://127.0.0.1:${port}`)
      const health = await fetch(`http://127.0.0.1:${port}/health`)
      expect(await health.json()).toEqual({ status: 'ok' })
      expect(await probe(app, 'trayHealth')).toBe('red') // running, no keys yet
      await page.screenshot({
        path: path.join('test-results', 'screenshots', 'electron-window.png'),
      })

      // Quit (as from the tray): the proxy stops, the store closes, the process exits 0.
      const child = app.process()
      const exited = new Promise<number | null>((resolve) => {
        if (child.exitCode !== null) resolve(child.exitCode)
        else child.once('exit', (code) => resolve(code))
      })
      await app.evaluate(({ app: electronApp }) => void electronApp.quit()).catch(() => {})
      expect(await exited).toBe(0)
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
    } finally {
      await app.close().catch(() => {})
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
