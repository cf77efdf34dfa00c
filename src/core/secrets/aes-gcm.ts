import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto'

export const GCM_IV_BYTES = 12
export const GCM_TAG_BYTES = 16

/**
 * AES-256-GCM encryption packed as `iv | tag | ciphertext`. `aad` is authenticated but not
 * stored: opening with different `aad` fails, which binds a ciphertext to its context.
 */
export function seal(
  key: KeyObject,
  plaintext: Buffer | string,
  aad?: Buffer,
  iv: Buffer = randomBytes(GCM_IV_BYTES),
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  if (aad) cipher.setAAD(aad)
  const body =
    typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext)
  cipher.final()
  const sealed = Buffer.allocUnsafe(GCM_IV_BYTES + GCM_TAG_BYTES + body.length)
  iv.copy(sealed, 0)
  cipher.getAuthTag().copy(sealed, GCM_IV_BYTES)
  body.copy(sealed, GCM_IV_BYTES + GCM_TAG_BYTES)
  return sealed
}

/** Reverses `seal`; throws when the key, the `aad` or any byte of `sealed` is wrong. */
export function open(key: KeyObject, sealed: Buffer, aad?: Buffer): Buffer {
  if (sealed.length < GCM_IV_BYTES + GCM_TAG_BYTES) throw new Error('sealed data is truncated')
  const iv = sealed.subarray(0, GCM_IV_BYTES)
  const tag = sealed.subarray(GCM_IV_BYTES, GCM_IV_BYTES + GCM_TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES })
  decipher.setAuthTag(tag)
  if (aad) decipher.setAAD(aad)
  return Buffer.concat([
    decipher.update(sealed.subarray(GCM_IV_BYTES + GCM_TAG_BYTES)),
    decipher.final(),
  ])
}
