import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test as base } from '@playwright/test'

export interface ServeInstance {
  url: string
  token: string
  dataDir: string
}

/** Starts the built headless server (`out/server/index.js`) with a temporary data folder. */
async function startServe(): Promise<{ instance: ServeInstance; child: ChildProcess }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypool-e2e-'))
  const token = `e2e-token-${Date.now()}-abcdefghij`
  const child = spawn(
    process.execPath,
    ['out/server/index.js', '--data-dir', dataDir, '--port', '0'],
    {
      env: {
        ...process.env,
        KEYPOOL_ADMIN_TOKEN: token,
        // Keep every request the server makes on this machine.
        KEYPOOL_DEFAULT_PROVIDER_URL: 'http://127.0.0.1:9/v1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 15_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)))
  })
  return { instance: { url, token, dataDir }, child }
}

export const test = base.extend<{ serve: ServeInstance }>({
  // The page depends on the server so that it closes first: an open event stream would otherwise
  // hold the server's graceful shutdown until its drain deadline.
  page: async ({ page, serve: _serve }, use) => {
    await use(page)
    await page.close()
  },
  // Playwright reads fixture dependencies from the destructuring pattern; this one has none.
  // eslint-disable-next-line no-empty-pattern
  serve: async ({}, use) => {
    const { instance, child } = await startServe()
    await use(instance)
    child.kill('SIGTERM')
    await new Promise((resolve) =>
      child.exitCode !== null ? resolve(null) : child.once('exit', resolve),
    )
    fs.rmSync(instance.dataDir, { recursive: true, force: true })
  },
})

export { expect } from '@playwright/test'

/** Where screenshots go so a person can look at them after a run. */
export const screenshotPath = (name: string): string =>
  path.join('test-results', 'screenshots', `${name}.png`)
