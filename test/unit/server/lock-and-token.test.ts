import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { AdminTokenVerifier, loadOrCreateAdminToken } from '../../../src/server/admin-token'
import { ensureDataDir } from '../../../src/server/data-dir'
import { acquireLock, LOCK_FILE_NAME, LockHeldError } from '../../../src/server/lock-file'
import { isLoopbackHost, parseServeOptions } from '../../../src/server/serve-options'
import { resolveInside } from '../../../src/server/static-files'
import { tempDir } from '../../support/temp-dir'

const posix = process.platform !== 'win32'

describe('the data folder lock', () => {
  it('lets one holder in and names it to the second', () => {
    const dir = tempDir()
    const release = acquireLock(dir)
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), String(process.ppid))
    expect(() => acquireLock(dir)).toThrow(LockHeldError)
    expect(() => acquireLock(dir)).toThrow(/already using/)
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), String(process.pid))
    release()
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false)
  })

  it('takes over a lock left by a process that is gone', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), '999999999')
    const release = acquireLock(dir)
    expect(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8')).toBe(String(process.pid))
    release()
  })
})

describe('the admin token', () => {
  it.skipIf(!posix)('is generated once into a 0600 file inside a 0700 folder', () => {
    const dir = ensureDataDir(path.join(tempDir(), 'nested', 'data'))
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    const first = loadOrCreateAdminToken(dir, undefined)
    expect(first.origin).toBe('generated')
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600)
    const second = loadOrCreateAdminToken(dir, undefined)
    expect(second).toMatchObject({ origin: 'file', token: first.token })
  })

  it('prefers the environment and refuses a short one', () => {
    const dir = tempDir()
    expect(loadOrCreateAdminToken(dir, 'x'.repeat(20))).toMatchObject({ origin: 'environment' })
    expect(() => loadOrCreateAdminToken(dir, 'short')).toThrow(/at least/)
    expect(fs.existsSync(path.join(dir, 'admin-token'))).toBe(false)
  })

  it('verifies bearer headers only', () => {
    const verifier = new AdminTokenVerifier('kp-admin-abcdefghijklmnop')
    expect(verifier.verifyHeader('Bearer kp-admin-abcdefghijklmnop')).toBe(true)
    expect(verifier.verifyHeader('bearer kp-admin-abcdefghijklmnop')).toBe(true)
    expect(verifier.verifyHeader('Basic kp-admin-abcdefghijklmnop')).toBe(false)
    expect(verifier.verifyHeader('Bearer kp-admin-abcdefghijklmno')).toBe(false)
    expect(verifier.verifyHeader(undefined)).toBe(false)
  })
})

describe('serve options', () => {
  it('takes flags over environment over defaults', () => {
    const env = { KEYPOOL_DATA_DIR: '/env', KEYPOOL_PORT: '9000', KEYPOOL_HOST: '0.0.0.0' }
    expect(parseServeOptions(['--port', '9100'], env)).toMatchObject({
      dataDir: '/env',
      port: 9100,
      host: '0.0.0.0',
    })
    expect(parseServeOptions([], {}).port).toBeUndefined()
    expect(() => parseServeOptions(['--port', 'abc'], {})).toThrow(/--port/)
    expect(() => parseServeOptions(['--bogus'], {})).toThrow()
  })

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) {
      expect(isLoopbackHost(host)).toBe(true)
    }
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) {
      expect(isLoopbackHost(host)).toBe(false)
    }
  })
})

describe('static files', () => {
  it('never resolves outside the UI folder', () => {
    const root = '/srv/ui'
    expect(resolveInside(root, '/')).toBe('/srv/ui/index.html')
    expect(resolveInside(root, '/assets/x.js')).toBe('/srv/ui/assets/x.js')
    // URL parsing folds `%2e%2e` into `..` and resolves it: the result stays inside.
    expect(resolveInside(root, '/%2e%2e/%2e%2e/secret')).toBe('/srv/ui/secret')
    expect(resolveInside(root, '/..%2f..%2fetc/passwd')).toBeUndefined()
    expect(resolveInside(root, '/a%00b')).toBeUndefined()
    expect(resolveInside(root, '/%E0%A4%A')).toBeUndefined()
  })
})
