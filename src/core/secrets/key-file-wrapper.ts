import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { open, seal } from './aes-gcm'
import { DATA_KEY_BYTES, type KeyWrapper, type KeyWrapperDescription } from './key-wrapper'

export const MASTER_KEY_FILE_NAME = 'master.key'

const aad = Buffer.from('keypool data key v1 (key file)')

/**
 * Wraps the data key with a random 32-byte key kept in `<dataDir>/master.key` (mode 0600).
 * Better than plaintext (a copied database alone reveals nothing), but anyone who can read the
 * data folder can read both: hence the warning.
 */
export class KeyFileWrapper implements KeyWrapper {
  readonly file: string

  constructor(dataDir: string) {
    this.file = path.join(dataDir, MASTER_KEY_FILE_NAME)
  }

  wrap(dataKey: Buffer): Buffer {
    return seal(this.wrappingKey(true), dataKey, aad)
  }

  unwrap(wrapped: Buffer): Buffer {
    return open(this.wrappingKey(false), wrapped, aad)
  }

  describe(): KeyWrapperDescription {
    return {
      backend: 'key-file',
      warning:
        `Upstream keys are encrypted with a key stored in ${this.file}, next to the data. ` +
        'Anyone who can read this folder can decrypt them; set KEYPOOL_PASSPHRASE to keep the ' +
        'key out of the folder.',
    }
  }

  private wrappingKey(create: boolean): KeyObject {
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      if (!create) {
        throw new Error(
          `The key file ${this.file} is missing, so the stored upstream keys cannot be ` +
            'decrypted. Restore it from a backup of this data folder.',
          { cause: error },
        )
      }
      return createSecretKey(this.createFile())
    }
    if (process.platform !== 'win32') fs.chmodSync(this.file, 0o600)
    const bytes = Buffer.from(text.trim(), 'base64')
    if (bytes.length !== DATA_KEY_BYTES) throw new Error(`The key file ${this.file} is damaged`)
    return createSecretKey(bytes)
  }

  private createFile(): Buffer {
    const bytes = randomBytes(DATA_KEY_BYTES)
    // 'wx': never overwrite a key file another process has just written.
    fs.writeFileSync(this.file, `${bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    if (process.platform !== 'win32') fs.chmodSync(this.file, 0o600)
    return bytes
  }
}
