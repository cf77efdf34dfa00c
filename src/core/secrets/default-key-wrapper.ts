import { KeyFileWrapper } from './key-file-wrapper'
import type { KeyWrapper } from './key-wrapper'
import { PassphraseWrapper } from './passphrase-wrapper'

/**
 * The wrapper for a host without an OS keychain (headless): the passphrase when one is given,
 * otherwise a key file in the data folder. Both come with a warning; neither is plaintext.
 */
export function defaultKeyWrapper(dataDir: string, passphrase?: string): KeyWrapper {
  if (passphrase !== undefined && passphrase !== '') return new PassphraseWrapper(passphrase)
  return new KeyFileWrapper(dataDir)
}
