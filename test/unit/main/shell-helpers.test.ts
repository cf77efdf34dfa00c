import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { readDesktopEnv, secureDataDir } from '../../../src/main/desktop-env'
import { proxyBaseUrl } from '../../../src/main/proxy-base-url'
import { resourcesDir } from '../../../src/main/resource-paths'
import { readShellFlags, writeShellFlags } from '../../../src/main/shell-flags'
import { exposeSmokeProbe, SMOKE_PROBE_GLOBAL } from '../../../src/main/smoke-probe'
import { tempDir } from '../../support/temp-dir'

describe('the desktop environment overrides', () => {
  it('reads the data folder and port, ignoring a bad port with a warning', () => {
    expect(readDesktopEnv({})).toEqual({})
    expect(readDesktopEnv({ KEYPOOL_DATA_DIR: 'rel/dir', KEYPOOL_PORT: '0' })).toEqual({
      dataDir: path.resolve('rel/dir'),
      port: 0,
    })
    const warn = vi.fn()
    expect(readDesktopEnv({ KEYPOOL_PORT: '80a' }, warn)).toEqual({})
    expect(readDesktopEnv({ KEYPOOL_PORT: '70000' }, warn)).toEqual({})
    expect(warn).toHaveBeenCalledTimes(2)
  })

  it('makes the data folder private', () => {
    const dir = path.join(tempDir(), 'KeyPool')
    secureDataDir(dir)
    if (process.platform !== 'win32') expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
  })
})

describe('proxyBaseUrl', () => {
  it('gives the URL a local tool uses', () => {
    expect(proxyBaseUrl('127.0.0.1', 8327)).toBe('http://127.0.0.1:8327/v1')
    expect(proxyBaseUrl('0.0.0.0', 8327)).toBe('http://127.0.0.1:8327/v1')
    expect(proxyBaseUrl('::', 9000)).toBe('http://127.0.0.1:9000/v1')
    expect(proxyBaseUrl('::1', 9000)).toBe('http://[::1]:9000/v1')
    expect(proxyBaseUrl('localhost', 1)).toBe('http://localhost:1/v1')
  })
})

describe('resource paths', () => {
  it('finds resources beside the asar when packaged, in the project otherwise', () => {
    expect(resourcesDir(true, '/opt/KeyPool/resources')).toBe(
      path.join('/opt/KeyPool/resources', 'resources'),
    )
    expect(resourcesDir(false)).toBe(path.resolve('resources'))
    expect(fs.existsSync(path.join(resourcesDir(false), 'tray', 'tray-green.png'))).toBe(true)
  })
})

describe('shell flags', () => {
  it('default to false and round-trip', () => {
    const file = path.join(tempDir(), 'shell-flags.json')
    expect(readShellFlags(file)).toEqual({ trayNoticeShown: false })
    writeShellFlags(file, { trayNoticeShown: true })
    expect(readShellFlags(file)).toEqual({ trayNoticeShown: true })
    fs.writeFileSync(file, '[1]')
    expect(readShellFlags(file)).toEqual({ trayNoticeShown: false })
  })
})

describe('the smoke-test probe', () => {
  it('is published only when KEYPOOL_SMOKE_TEST=1', () => {
    const probe = { trayExists: () => true, trayHealth: () => undefined, proxyUrl: () => undefined }
    exposeSmokeProbe({}, probe)
    expect(SMOKE_PROBE_GLOBAL in globalThis).toBe(false)
    exposeSmokeProbe({ KEYPOOL_SMOKE_TEST: '1' }, probe)
    const published = (globalThis as Record<string, unknown>)[SMOKE_PROBE_GLOBAL]
    expect(Object.isFrozen(published)).toBe(true)
    expect((published as typeof probe).trayExists()).toBe(true)
  })
})
