/** Where the data key's protection comes from, as the settings page reports it. */
export type KeyWrapperBackend = 'safe-storage' | 'key-file' | 'passphrase'

export interface KeyWrapperDescription {
  backend: KeyWrapperBackend
  /** Set when the protection is weaker than an OS keychain; shown in the log and the UI. */
  warning?: string
}

/**
 * Protects the 32-byte data key that encrypts every upstream key. The core receives one from its
 * shell: Electron `safeStorage` on the desktop, a key file or a passphrase when headless.
 */
export interface KeyWrapper {
  wrap(dataKey: Buffer): Buffer
  /** Throws when `wrapped` was not produced by this wrapper (or was altered). */
  unwrap(wrapped: Buffer): Buffer
  describe(): KeyWrapperDescription
}

export const DATA_KEY_BYTES = 32
