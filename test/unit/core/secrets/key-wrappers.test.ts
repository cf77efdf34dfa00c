import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataKeyUnavailableError, loadOrCreateDataKey } from '../../../../src/core/secrets/data-key'
import { defaultKeyWrapper } from '../../../../src/core/secrets/default-key-wrapper'
import { KeyFileWrapper, MASTER_KEY_FILE_NAME } from '../../../../src/core/secrets/key-file-wrapper'
import { PassphraseWrapper } from '../../../../src/core/secrets/passphrase-wrapper'
import { closeDatabase, openDatabase } from '../../../../src/core/store/database'
import { SecretsMetaRepository } from '../../../../src/core/store/secrets-meta-repository'
import { tempDir } from '../../../support/temp-dir'

const posix = process.platform !== 'win32'
/** The lowest scrypt cost the format accepts: keeps the tests fast. */
const FAST_LOG_N = 10

describe('KeyFileWrapper', () => {
  it('creates master.key (0600) on first wrap and unwraps with it', () => {
    const dir = tempDir()
    const wrapper = new KeyFileWrapper(dir)
    const dataKey = randomBytes(32)
    const wrapped = wrapper.wrap(dataKey)
    const file = path.join(dir, MASTER_KEY_FILE_NAME)
    if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(wrapped.includes(dataKey)).toBe(false)
    expect(new KeyFileWrapper(dir).unwrap(wrapped).equals(dataKey)).toBe(true)
    expect(wrapper.describe()).toMatchObject({ backend: 'key-file' })
    expect(wrapper.describe().warning).toContain(file)
  })

  it('refuses to unwrap without its file, and with another folder’s file', () => {
    const dir = tempDir()
    const wrapped = new KeyFileWrapper(dir).wrap(randomBytes(32))
    const other = tempDir()
    expect(() => new KeyFileWrapper(other).unwrap(wrapped)).toThrow(/is missing/)
    expect(fs.existsSync(path.join(other, MASTER_KEY_FILE_NAME))).toBe(false)
    new KeyFileWrapper(other).wrap(randomBytes(32))
    expect(() => new KeyFileWrapper(other).unwrap(wrapped)).toThrow()
  })

  it('tightens a key file whose mode was loosened', () => {
    if (!posix) return
    const dir = tempDir()
    const wrapped = new KeyFileWrapper(dir).wrap(randomBytes(32))
    const file = path.join(dir, MASTER_KEY_FILE_NAME)
    fs.chmodSync(file, 0o644)
    new KeyFileWrapper(dir).unwrap(wrapped)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })
})

describe('PassphraseWrapper', () => {
  it('round-trips with the same passphrase and fails with another', () => {
    const dataKey = randomBytes(32)
    const wrapped = new PassphraseWrapper('correct horse battery', FAST_LOG_N).wrap(dataKey)
    expect(wrapped.includes(dataKey)).toBe(false)
    expect(new PassphraseWrapper('correct horse battery').unwrap(wrapped).equals(dataKey)).toBe(
      true,
    )
    expect(() => new PassphraseWrapper('wrong horse battery').unwrap(wrapped)).toThrow()
    expect(new PassphraseWrapper('correct horse battery').describe().backend).toBe('passphrase')
  })

  it('refuses a short passphrase and a blob in another format', () => {
    expect(() => new PassphraseWrapper('short')).toThrow(/at least 8/)
    expect(() => new PassphraseWrapper('long enough!').unwrap(randomBytes(80))).toThrow()
  })

  it('is chosen by default when a passphrase is given, else the key file', () => {
    expect(defaultKeyWrapper(tempDir(), 'a passphrase here').describe().backend).toBe('passphrase')
    expect(defaultKeyWrapper(tempDir(), '').describe().backend).toBe('key-file')
    expect(defaultKeyWrapper(tempDir()).describe().backend).toBe('key-file')
  })
})

describe('loadOrCreateDataKey', () => {
  it('creates the data key once, stores it only wrapped, and finds it again', () => {
    const dir = tempDir()
    const db = openDatabase(path.join(dir, 'k.db'))
    const repository = new SecretsMetaRepository(db)
    const wrapper = new KeyFileWrapper(dir)
    const first = loadOrCreateDataKey(repository, wrapper, 1)
    const stored = repository.read()!
    expect(stored.backend).toBe('key-file')
    expect(stored.wrapped.includes(first)).toBe(false)
    expect(loadOrCreateDataKey(repository, new KeyFileWrapper(dir), 2).equals(first)).toBe(true)
    closeDatabase(db)
  })

  it('refuses to start with the wrong passphrase or another backend, creating nothing', () => {
    const dir = tempDir()
    const db = openDatabase(path.join(dir, 'k.db'))
    const repository = new SecretsMetaRepository(db)
    loadOrCreateDataKey(repository, new PassphraseWrapper('the right one', FAST_LOG_N), 1)
    const before = repository.read()!
    expect(() =>
      loadOrCreateDataKey(repository, new PassphraseWrapper('the wrong one'), 2),
    ).toThrow(DataKeyUnavailableError)
    expect(() => loadOrCreateDataKey(repository, new KeyFileWrapper(dir), 2)).toThrow(
      /protected by the passphrase in KEYPOOL_PASSPHRASE, but this KeyPool was started with the key file/,
    )
    expect(repository.read()!.wrapped.equals(before.wrapped)).toBe(true)
    closeDatabase(db)
  })
})
