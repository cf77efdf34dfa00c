import { createSecretKey, randomBytes, scryptSync } from 'node:crypto'
import { open, seal } from './aes-gcm'
import type { KeyWrapper, KeyWrapperDescription } from './key-wrapper'

export const PASSPHRASE_ENV = 'KEYPOOL_PASSPHRASE'
export const MIN_PASSPHRASE_LENGTH = 8

const VERSION = 1
const SALT_BYTES = 16
/** scrypt N = 2^15, r = 8: 32 MiB and well under a second, once per start. */
const DEFAULT_LOG_N = 15
const HEADER_BYTES = 2

/**
 * Wraps the data key with a key derived by scrypt from a passphrase given in the environment.
 * The salt and cost travel with the wrapped key (`version | logN | salt | iv | tag | data`), so a
 * future cost change still opens old data.
 */
export class PassphraseWrapper implements KeyWrapper {
  constructor(
    private readonly passphrase: string,
    private readonly logN = DEFAULT_LOG_N,
  ) {
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new Error(`${PASSPHRASE_ENV} must be at least ${MIN_PASSPHRASE_LENGTH} characters`)
    }
  }

  wrap(dataKey: Buffer): Buffer {
    const header = Buffer.from([VERSION, this.logN])
    const salt = randomBytes(SALT_BYTES)
    return Buffer.concat([header, salt, seal(this.derive(salt, this.logN), dataKey, header)])
  }

  unwrap(wrapped: Buffer): Buffer {
    const header = wrapped.subarray(0, HEADER_BYTES)
    const logN = header[1] ?? 0
    if (header[0] !== VERSION || logN < 10 || logN > 20) {
      throw new Error('The wrapped data key is not in the passphrase format')
    }
    const salt = wrapped.subarray(HEADER_BYTES, HEADER_BYTES + SALT_BYTES)
    return open(this.derive(salt, logN), wrapped.subarray(HEADER_BYTES + SALT_BYTES), header)
  }

  describe(): KeyWrapperDescription {
    return {
      backend: 'passphrase',
      warning:
        `Upstream keys are protected by the passphrase in ${PASSPHRASE_ENV}; anyone who can ` +
        "read this process's environment can decrypt them.",
    }
  }

  private derive(salt: Buffer, logN: number) {
    const N = 2 ** logN
    const key = scryptSync(this.passphrase, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 })
    return createSecretKey(key)
  }
}
