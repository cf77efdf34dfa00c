import fs from 'node:fs'
import path from 'node:path'
import { safeStorage } from 'electron'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DATABASE_FILE_NAME, KeyPoolCore } from '../../../src/core/keypool-core'
import { silentLogger } from '../../../src/core/logger'
import { MASTER_KEY_FILE_NAME } from '../../../src/core/secrets/key-file-wrapper'
import type { KeyWrapper } from '../../../src/core/secrets/key-wrapper'
import { readRecordedKeyBackend } from '../../../src/core/secrets/recorded-key-backend'
import { chooseKeyWrapper } from '../../../src/main/choose-key-wrapper'
import {
  SafeStorageWrapper,
  safeStorageAvailability,
  type SafeStorageApi,
} from '../../../src/main/safe-storage-wrapper'
import { tempDir } from '../../support/temp-dir'

type LinuxBackend = ReturnType<SafeStorageApi['getSelectedStorageBackend']>

/** The mocked `safeStorage` (reversible marker + base64) with the given availability. */
function storage(available: boolean, backend: LinuxBackend = 'gnome_libsecret'): SafeStorageApi {
  vi.mocked(safeStorage.isEncryptionAvailable).mockReturnValue(available)
  vi.mocked(safeStorage.getSelectedStorageBackend).mockReturnValue(backend)
  return safeStorage
}

afterEach(() => {
  vi.mocked(safeStorage.isEncryptionAvailable).mockReset().mockReturnValue(false)
  vi.mocked(safeStorage.getSelectedStorageBackend).mockReset().mockReturnValue('basic_text')
})

const dataKey = Buffer.alloc(32, 7)
const openCore = (dataDir: string, keyWrapper: KeyWrapper) =>
  KeyPoolCore.open({ dataDir, logger: silentLogger, keyWrapper })

describe('the key wrapper choice per safeStorage backend (SPEC §7)', () => {
  it.each<[LinuxBackend]>([['gnome_libsecret'], ['kwallet'], ['kwallet5'], ['kwallet6']])(
    'Linux %s: safeStorage, no warning',
    (backend) => {
      const { wrapper } = chooseKeyWrapper({
        dataDir: tempDir(),
        storage: storage(true, backend),
        platform: 'linux',
      })
      expect(wrapper.describe()).toEqual({ backend: 'safe-storage' })
    },
  )

  it.each<[NodeJS.Platform]>([['darwin'], ['win32']])(
    '%s with encryption available: safeStorage (the Linux store is not consulted)',
    (platform) => {
      const api = storage(true, 'unknown')
      const { wrapper } = chooseKeyWrapper({ dataDir: tempDir(), storage: api, platform })
      expect(wrapper.describe()).toEqual({ backend: 'safe-storage' })
      expect(api.getSelectedStorageBackend).not.toHaveBeenCalled()
    },
  )

  it('Linux basic_text: the key file, with a warning naming basic_text and the file', () => {
    const dir = tempDir()
    const { wrapper } = chooseKeyWrapper({
      dataDir: dir,
      storage: storage(true, 'basic_text'),
      platform: 'linux',
    })
    const { backend, warning } = wrapper.describe()
    expect(backend).toBe('key-file')
    expect(warning).toMatch(
      /^No OS keychain is available to KeyPool \(Linux password store "basic_text"/,
    )
    expect(warning).toContain(path.join(dir, MASTER_KEY_FILE_NAME))
  })

  it('Linux before ready (unknown): the key file, with a warning', () => {
    const { wrapper } = chooseKeyWrapper({
      dataDir: tempDir(),
      storage: storage(true, 'unknown'),
      platform: 'linux',
    })
    expect(wrapper.describe()).toMatchObject({ backend: 'key-file', warning: /"unknown"/ })
  })

  it.each<[NodeJS.Platform]>([['linux'], ['darwin'], ['win32']])(
    '%s with encryption unavailable: the key file, with a warning',
    (platform) => {
      const { wrapper } = chooseKeyWrapper({
        dataDir: tempDir(),
        storage: storage(false),
        platform,
      })
      expect(wrapper.describe()).toMatchObject({
        backend: 'key-file',
        warning: /^No OS keychain is available to KeyPool\. Upstream keys are encrypted with a key/,
      })
    },
  )

  it('without a keychain, KEYPOOL_PASSPHRASE replaces the key file (still with a warning)', () => {
    const { wrapper } = chooseKeyWrapper({
      dataDir: tempDir(),
      passphrase: 'correct horse battery',
      storage: storage(true, 'basic_text'),
      platform: 'linux',
    })
    expect(wrapper.describe()).toMatchObject({
      backend: 'passphrase',
      warning: /basic_text.*KEYPOOL_PASSPHRASE/s,
    })
  })

  it('with a keychain, KEYPOOL_PASSPHRASE is ignored and the log says so', () => {
    const { wrapper, notes } = chooseKeyWrapper({
      dataDir: tempDir(),
      passphrase: 'correct horse battery',
      storage: storage(true),
      platform: 'linux',
    })
    expect(wrapper.describe().backend).toBe('safe-storage')
    expect(notes).toEqual([expect.stringMatching(/KEYPOOL_PASSPHRASE is ignored/)])
  })
})

describe('a data folder keeps the wrapper it was set up with', () => {
  it('a key-file folder stays on the key file when a keychain appears, and still opens', async () => {
    const dir = tempDir()
    const first = chooseKeyWrapper({ dataDir: dir, storage: storage(false), platform: 'linux' })
    const core = openCore(dir, first.wrapper)
    await core.close()
    const recorded = readRecordedKeyBackend(path.join(dir, DATABASE_FILE_NAME))
    expect(recorded).toBe('key-file')

    const { wrapper } = chooseKeyWrapper({
      dataDir: dir,
      recorded,
      storage: storage(true),
      platform: 'linux',
    })
    const reopened = openCore(dir, wrapper)
    expect(reopened.keyProtection).toMatchObject({
      backend: 'key-file',
      warning:
        /set up with the key file master\.key, so KeyPool keeps using it rather than the OS keychain/,
    })
    await reopened.close()
  })

  it('a safeStorage folder keeps safeStorage when the keychain goes away (explained)', async () => {
    const dir = tempDir()
    const core = openCore(
      dir,
      chooseKeyWrapper({ dataDir: dir, storage: storage(true), platform: 'linux' }).wrapper,
    )
    await core.close()
    const recorded = readRecordedKeyBackend(path.join(dir, DATABASE_FILE_NAME))
    expect(recorded).toBe('safe-storage')

    const { wrapper } = chooseKeyWrapper({
      dataDir: dir,
      recorded,
      storage: storage(true, 'basic_text'),
      platform: 'linux',
    })
    expect(wrapper.describe()).toMatchObject({
      backend: 'safe-storage',
      warning: /set up with the OS keychain.*rather than the key file.*"basic_text"/s,
    })
    // The mock still decrypts; a real keychain that is gone makes the core refuse to start
    // (DataKeyUnavailableError) instead of creating a second data key. No key file appears.
    const reopened = openCore(dir, wrapper)
    await reopened.close()
    expect(fs.existsSync(path.join(dir, MASTER_KEY_FILE_NAME))).toBe(false)
  })

  it('a passphrase folder started without the passphrase is refused with a clear message', async () => {
    const dir = tempDir()
    const sealed = chooseKeyWrapper({
      dataDir: dir,
      passphrase: 'correct horse battery',
      storage: storage(false),
      platform: 'linux',
    })
    await openCore(dir, sealed.wrapper).close()
    const recorded = readRecordedKeyBackend(path.join(dir, DATABASE_FILE_NAME))
    expect(recorded).toBe('passphrase')
    const { wrapper } = chooseKeyWrapper({ dataDir: dir, recorded, storage: storage(false) })
    expect(() => openCore(dir, wrapper)).toThrow(
      /protected by the passphrase in KEYPOOL_PASSPHRASE, but this KeyPool was started with the key file/,
    )
  })

  it('reads no backend from a new or unreadable folder, and creates no database', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE_NAME)
    expect(readRecordedKeyBackend(file)).toBeUndefined()
    expect(fs.existsSync(file)).toBe(false)
    fs.writeFileSync(file, 'not a database')
    expect(readRecordedKeyBackend(file)).toBeUndefined()
  })
})

describe('SafeStorageWrapper', () => {
  it('round-trips the data key through safeStorage without storing it in the clear', () => {
    const wrapper = new SafeStorageWrapper(storage(true), 'linux')
    const wrapped = wrapper.wrap(dataKey)
    expect(safeStorage.encryptString).toHaveBeenCalledWith(dataKey.toString('base64'))
    expect(wrapped.includes(dataKey)).toBe(false)
    expect(wrapper.unwrap(wrapped)).toEqual(dataKey)
    expect(wrapper.describe()).toEqual({ backend: 'safe-storage' })
  })

  it('rejects what safeStorage did not produce, and a wrong-sized key', () => {
    const wrapper = new SafeStorageWrapper(storage(true), 'linux')
    expect(() => wrapper.unwrap(Buffer.from('tampered'))).toThrow(/decrypting/)
    const short = safeStorage.encryptString(Buffer.alloc(16).toString('base64'))
    expect(() => wrapper.unwrap(short)).toThrow(/not a KeyPool data key/)
  })

  it('never seals a new data key with a weak backend', () => {
    expect(() =>
      new SafeStorageWrapper(storage(true, 'basic_text'), 'linux').wrap(dataKey),
    ).toThrow(/basic_text/)
    expect(() => new SafeStorageWrapper(storage(false), 'darwin').wrap(dataKey)).toThrow(
      /No OS keychain/,
    )
    expect(safeStorage.encryptString).not.toHaveBeenCalled()
  })

  it('reports availability per platform', () => {
    expect(safeStorageAvailability(storage(true, 'kwallet6'), 'linux')).toEqual({ available: true })
    expect(safeStorageAvailability(storage(true, 'basic_text'), 'linux').available).toBe(false)
    expect(safeStorageAvailability(storage(true, 'basic_text'), 'win32')).toEqual({
      available: true,
    })
    expect(safeStorageAvailability(storage(false), 'darwin').available).toBe(false)
  })

  it('protects a real core: keys added under safeStorage read back after a restart', async () => {
    const dir = tempDir()
    const open = () => openCore(dir, new SafeStorageWrapper(storage(true), 'linux'))
    const core = open()
    core.settings.update({ validation: { onAdd: false } })
    expect(core.keys.bulkAdd({ keys: 'sk-canary-0123456789abcdef' })).toMatchObject({ added: 1 })
    const [key] = core.keys.routingKeys()
    await core.close()
    const reopened = open()
    expect(reopened.keys.readSecret(key!.id)).toBe('sk-canary-0123456789abcdef')
    await reopened.close()
  })
})
