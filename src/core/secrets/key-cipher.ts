import { createHmac, createSecretKey, hkdfSync, randomFillSync, type KeyObject } from 'node:crypto'
import { GCM_IV_BYTES, open, seal } from './aes-gcm'
import { DATA_KEY_BYTES } from './key-wrapper'

const IV_POOL_BYTES = GCM_IV_BYTES * 4096

/** A key ready to store: its fingerprint and its sealed secret. */
export interface SealedKey {
  fingerprint: Buffer
  sealed: Buffer
}

/** The secret of a stored key did not decrypt: its row was altered, or the data key is wrong. */
export class KeyDecryptError extends Error {
  constructor(readonly keyId: number) {
    super(`Upstream key ${keyId} could not be decrypted (its stored data was altered)`)
    this.name = 'KeyDecryptError'
  }
}

/**
 * Encrypts upstream keys at rest (SECURITY.md S1) with AES-256-GCM under a subkey of the data
 * key, and fingerprints them with HMAC-SHA256 under another, so duplicates are found without
 * storing or comparing secrets. The fingerprint is the ciphertext's associated data: a sealed
 * secret only opens in the row it was written for. Keys are `KeyObject`s and IVs come from a
 * pooled random buffer, which keeps 100,000 encryptions well under a second.
 */
export class KeyCipher {
  private readonly encryptionKey: KeyObject
  private readonly fingerprintKey: KeyObject
  private readonly ivPool = Buffer.alloc(IV_POOL_BYTES)
  private ivOffset = IV_POOL_BYTES

  constructor(dataKey: Buffer) {
    if (dataKey.length !== DATA_KEY_BYTES) throw new Error('The data key must be 32 bytes')
    this.encryptionKey = createSecretKey(subkey(dataKey, 'keypool upstream key encryption v1'))
    this.fingerprintKey = createSecretKey(subkey(dataKey, 'keypool upstream key fingerprint v1'))
  }

  fingerprint(secret: string): Buffer {
    return createHmac('sha256', this.fingerprintKey).update(secret, 'utf8').digest()
  }

  encrypt(secret: string, fingerprint: Buffer): Buffer {
    return seal(this.encryptionKey, secret, fingerprint, this.nextIv())
  }

  /** Fingerprints and seals a batch on this thread (`ParallelSealer` does it on workers). */
  sealMany(secrets: readonly string[]): SealedKey[] {
    return secrets.map((secret) => {
      const fingerprint = this.fingerprint(secret)
      return { fingerprint, sealed: this.encrypt(secret, fingerprint) }
    })
  }

  /** The two subkeys, for sealing workers in this process; never stored or sent elsewhere. */
  workerKeys(): { encryptionKey: Buffer; fingerprintKey: Buffer } {
    return {
      encryptionKey: this.encryptionKey.export(),
      fingerprintKey: this.fingerprintKey.export(),
    }
  }

  /** Throws `KeyDecryptError` when the sealed bytes or the fingerprint were altered. */
  decrypt(keyId: number, sealed: Buffer, fingerprint: Buffer): string {
    try {
      return open(this.encryptionKey, sealed, fingerprint).toString('utf8')
    } catch {
      throw new KeyDecryptError(keyId)
    }
  }

  private nextIv(): Buffer {
    if (this.ivOffset + GCM_IV_BYTES > IV_POOL_BYTES) {
      randomFillSync(this.ivPool)
      this.ivOffset = 0
    }
    // A view is enough: `seal` copies the IV out before the pool is refilled.
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + GCM_IV_BYTES)
    this.ivOffset += GCM_IV_BYTES
    return iv
  }
}

function subkey(dataKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32))
}
