import { KeyFileWrapper } from '../core/secrets/key-file-wrapper'
import type { KeyWrapper, KeyWrapperBackend } from '../core/secrets/key-wrapper'
import { PassphraseWrapper, PASSPHRASE_ENV } from '../core/secrets/passphrase-wrapper'
import {
  SafeStorageWrapper,
  safeStorageAvailability,
  type SafeStorageApi,
} from './safe-storage-wrapper'

export interface KeyWrapperChoiceInput {
  dataDir: string
  /** KEYPOOL_PASSPHRASE, when set: replaces the key file where no OS keychain is available. */
  passphrase?: string
  /** The backend that sealed this folder's data key (`readRecordedKeyBackend`); none when new. */
  recorded?: KeyWrapperBackend
  storage?: SafeStorageApi
  platform?: NodeJS.Platform
}

export interface KeyWrapperChoice {
  wrapper: KeyWrapper
  /** Facts for the log that are not weaknesses (e.g. KEYPOOL_PASSPHRASE ignored). */
  notes: string[]
}

/**
 * Picks how the data key is protected on the desktop (SPEC §7): `safeStorage` when an OS
 * keychain backs it, otherwise the passphrase from KEYPOOL_PASSPHRASE or the key file, each with
 * a warning that reaches the log and Settings (`core.keyProtection`) — never silently plaintext.
 *
 * A folder already set up keeps the wrapper that sealed its data key, even when the preferred one
 * differs (a keychain appeared, or went away): the core only unwraps with the wrapper it is given
 * and refuses rather than create a second data key, so switching would stop KeyPool from starting.
 * The mismatch is explained in the warning instead. Only a folder sealed by a passphrase that is
 * not set now cannot be honoured; the core then refuses with a message naming the passphrase.
 */
export function chooseKeyWrapper(input: KeyWrapperChoiceInput): KeyWrapperChoice {
  const platform = input.platform ?? process.platform
  const storage = input.storage
  const availability = safeStorageAvailability(storage, platform)
  const passphrase = input.passphrase === '' ? undefined : input.passphrase
  const notes: string[] = []
  const preferred: KeyWrapperBackend = availability.available
    ? 'safe-storage'
    : passphrase
      ? 'passphrase'
      : 'key-file'
  const build = (backend: KeyWrapperBackend): KeyWrapper | undefined => {
    if (backend === 'safe-storage') return new SafeStorageWrapper(storage, platform)
    if (backend === 'passphrase') return passphrase ? new PassphraseWrapper(passphrase) : undefined
    return new KeyFileWrapper(input.dataDir)
  }

  const recorded =
    input.recorded && input.recorded !== preferred ? build(input.recorded) : undefined
  if (recorded && input.recorded) {
    const unavailable = availability.available ? '' : ` ${availability.reason}`
    return {
      wrapper: withWarning(
        recorded,
        `This data folder was set up with ${backendNames[input.recorded]}, so KeyPool keeps ` +
          `using it rather than ${backendNames[preferred]}.${unavailable}`,
      ),
      notes,
    }
  }

  if (availability.available) {
    if (passphrase) {
      notes.push(`${PASSPHRASE_ENV} is ignored: the OS keychain protects the upstream keys.`)
    }
    return { wrapper: build('safe-storage')!, notes }
  }
  // A weaker wrapper: say why there is no keychain before what the fallback means.
  return { wrapper: withWarning(build(preferred)!, availability.reason, 'before'), notes }
}

const backendNames: Record<KeyWrapperBackend, string> = {
  'safe-storage': "the OS keychain (Electron's safeStorage)",
  'key-file': 'the key file master.key',
  passphrase: `the passphrase in ${PASSPHRASE_ENV}`,
}

/**
 * The same wrapper with `text` joined to its warning, so the reason for a fallback shows in the
 * log and in Settings next to what the fallback means.
 */
export function withWarning(
  wrapper: KeyWrapper,
  text: string,
  position: 'before' | 'after' = 'after',
): KeyWrapper {
  return {
    wrap: (dataKey) => wrapper.wrap(dataKey),
    unwrap: (wrapped) => wrapper.unwrap(wrapped),
    describe: () => {
      const description = wrapper.describe()
      const parts = [description.warning, text].filter((part): part is string => !!part)
      if (position === 'before') parts.reverse()
      return { ...description, warning: parts.join(' ') }
    },
  }
}
