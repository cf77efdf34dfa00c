import { safeStorage } from 'electron'
import {
  DATA_KEY_BYTES,
  type KeyWrapper,
  type KeyWrapperDescription,
} from '../core/secrets/key-wrapper'

/** The part of Electron's `safeStorage` KeyPool uses; tests pass a fake. */
export type SafeStorageApi = Pick<
  Electron.SafeStorage,
  'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'
>

export type SafeStorageAvailability = { available: true } | { available: false; reason: string }

/**
 * Linux password stores that are not a keychain: `basic_text` encrypts with a password compiled
 * into Chromium (obfuscation, not protection), `unknown` means the app is not ready yet.
 */
const WEAK_LINUX_BACKENDS: readonly string[] = ['basic_text', 'unknown']

/**
 * Whether `safeStorage` is backed by a real OS keychain (macOS Keychain, Windows DPAPI, Linux
 * libsecret or KWallet). On Linux `isEncryptionAvailable()` is also true for `basic_text`, which
 * would be plaintext in all but name (SPEC §7), so the selected backend is checked too.
 */
export function safeStorageAvailability(
  storage: SafeStorageApi = safeStorage,
  platform: NodeJS.Platform = process.platform,
): SafeStorageAvailability {
  if (!storage.isEncryptionAvailable()) {
    return { available: false, reason: 'No OS keychain is available to KeyPool.' }
  }
  if (platform === 'linux') {
    const backend = storage.getSelectedStorageBackend()
    if (WEAK_LINUX_BACKENDS.includes(backend)) {
      return {
        available: false,
        reason:
          `No OS keychain is available to KeyPool (Linux password store "${backend}": ` +
          'install and unlock GNOME Keyring or KWallet to use one).',
      }
    }
  }
  return { available: true }
}

/**
 * Wraps the data key with Electron `safeStorage`, i.e. with a key held by the OS keychain, so a
 * copied data folder alone decrypts nothing.
 *
 * This uses the synchronous `encryptString`/`decryptString` although Electron 45 deprecates them
 * for `encryptStringAsync`/`decryptStringAsync`: the core's `KeyWrapper` is synchronous and is
 * called inside `KeyPoolCore`'s constructor (`loadOrCreateDataKey`), so an async wrapper would
 * need both `KeyWrapper` and `KeyPoolCore.open` (and the headless server and every test that
 * opens a core) to become async. Electron documents that data encrypted by `encryptString` is
 * readable by `decryptStringAsync`, so moving to the async API later needs no migration.
 */
export class SafeStorageWrapper implements KeyWrapper {
  constructor(
    private readonly storage: SafeStorageApi = safeStorage,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  wrap(dataKey: Buffer): Buffer {
    // Never let a weak backend seal a new data key: that would be silently plaintext.
    const availability = safeStorageAvailability(this.storage, this.platform)
    if (!availability.available) throw new Error(availability.reason)
    return this.storage.encryptString(dataKey.toString('base64'))
  }

  unwrap(wrapped: Buffer): Buffer {
    const dataKey = Buffer.from(this.storage.decryptString(wrapped), 'base64')
    if (dataKey.length !== DATA_KEY_BYTES) {
      throw new Error('The OS keychain returned something that is not a KeyPool data key')
    }
    return dataKey
  }

  describe(): KeyWrapperDescription {
    return { backend: 'safe-storage' }
  }
}
