import { randomBytes } from 'node:crypto'
import type { SecretsMetaRepository } from '../store/secrets-meta-repository'
import { DATA_KEY_BYTES, type KeyWrapper, type KeyWrapperBackend } from './key-wrapper'

const backendNames: Record<KeyWrapperBackend, string> = {
  'safe-storage': "the operating system's keychain (safeStorage)",
  'key-file': 'the key file master.key',
  passphrase: 'the passphrase in KEYPOOL_PASSPHRASE',
}

/** The stored data key cannot be unwrapped: wrong passphrase, missing key file, other machine. */
export class DataKeyUnavailableError extends Error {
  constructor(stored: KeyWrapperBackend, current: KeyWrapperBackend, cause: unknown) {
    const detail = cause instanceof Error ? ` (${cause.message})` : ''
    super(
      stored === current
        ? `The upstream keys in this data folder are protected by ${backendNames[stored]}, ` +
            `which could not unlock them${detail}. Nothing was changed.`
        : `The upstream keys in this data folder are protected by ${backendNames[stored]}, ` +
            `but this KeyPool was started with ${backendNames[current]}. Start it the way the ` +
            'folder was set up. Nothing was changed.',
      { cause },
    )
    this.name = 'DataKeyUnavailableError'
  }
}

/**
 * The random data key that encrypts upstream keys: created and stored wrapped on first use,
 * unwrapped on every later start. Throws `DataKeyUnavailableError` rather than ever creating a
 * second key, which would orphan the keys already stored.
 */
export function loadOrCreateDataKey(
  repository: SecretsMetaRepository,
  wrapper: KeyWrapper,
  now: number,
): Buffer {
  const backend = wrapper.describe().backend
  const stored = repository.read()
  if (!stored) {
    const dataKey = randomBytes(DATA_KEY_BYTES)
    repository.write({ backend, wrapped: wrapper.wrap(dataKey) }, now)
    return dataKey
  }
  let dataKey: Buffer
  try {
    dataKey = wrapper.unwrap(stored.wrapped)
  } catch (error) {
    throw new DataKeyUnavailableError(stored.backend, backend, error)
  }
  if (dataKey.length !== DATA_KEY_BYTES) {
    throw new DataKeyUnavailableError(stored.backend, backend, new Error('wrong key length'))
  }
  return dataKey
}
