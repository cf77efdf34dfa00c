import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/temp-dir'

const entry = path.resolve('out/server/index.js')
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

interface Started {
  child: ChildProcess
  url: string
  stdout: () => string
}

/** Spawns the built `serve` entry and waits for its listening line. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, KEYPOOL_ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}${err}`)), 10_000)
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match && out.includes('data:')) {
        clearTimeout(timer)
        resolve({ child, url: match[1]!, stdout: () => out })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`serve exited ${code}: ${err}`), { code, stderr: err }))
    })
  })
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
  )

describe.skipIf(!fs.existsSync(entry))('npm run serve (the built headless entry)', () => {
  beforeAll(() => {
    expect(fs.existsSync(entry)).toBe(true)
  })

  it('creates a private data folder, prints the token once, and guards /api', async () => {
    const dataDir = path.join(tempDir(), 'data')
    const first = await serve(['--data-dir', dataDir, '--port', '0'])
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const token = /Admin token[^\n]*\n\s+(\S+)/.exec(first.stdout())?.[1]
    expect(token).toMatch(/^kp-admin-/)
    if (process.platform !== 'win32') {
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700)
      expect(fs.statSync(path.join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600)
      expect(fs.statSync(path.join(dataDir, 'keypool.db')).mode & 0o777).toBe(0o600)
    }
    expect((await fetch(`${first.url}/api/settings`)).status).toBe(401)
    const authed = await fetch(`${first.url}/api/settings`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(authed.status).toBe(200)

    const second = serve(['--data-dir', dataDir, '--port', '0'])
    await expect(second).rejects.toMatchObject({ code: 1 })
    await expect(second).rejects.toThrow(/Another KeyPool \(pid \d+\) is already using/)

    first.child.kill('SIGTERM')
    expect(await exitOf(first.child)).toBe(0)
    expect(fs.existsSync(path.join(dataDir, 'keypool.lock'))).toBe(false)

    const again = await serve(['--data-dir', dataDir, '--port', '0'])
    expect(again.stdout()).not.toContain('Admin token')
    again.child.kill('SIGTERM')
    expect(await exitOf(again.child)).toBe(0)
  })

  it('takes the admin token from KEYPOOL_ADMIN_TOKEN', async () => {
    const token = 'env-token-0123456789abcdef'
    const started = await serve(['--data-dir', path.join(tempDir(), 'd'), '--port', '0'], {
      KEYPOOL_ADMIN_TOKEN: token,
    })
    expect(started.stdout()).not.toContain(token)
    const authed = await fetch(`${started.url}/api/settings`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(authed.status).toBe(200)
    started.child.kill('SIGTERM')
    expect(await exitOf(started.child)).toBe(0)
  })
})
