import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { KeyCipher, KeyDecryptError } from '../../../../src/core/secrets/key-cipher'

const secret = 'sk-cipher-test-0123456789abcdefghijklmnop'

describe('KeyCipher', () => {
  it('round-trips a key and never stores it in clear', () => {
    const cipher = new KeyCipher(randomBytes(32))
    const fingerprint = cipher.fingerprint(secret)
    const sealed = cipher.encrypt(secret, fingerprint)
    expect(sealed.includes(Buffer.from(secret))).toBe(false)
    expect(sealed.length).toBe(12 + 16 + Buffer.byteLength(secret))
    expect(cipher.decrypt(1, sealed, fingerprint)).toBe(secret)
  })

  it('uses a fresh IV each time', () => {
    const cipher = new KeyCipher(randomBytes(32))
    const fingerprint = cipher.fingerprint(secret)
    const ivs = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      ivs.add(cipher.encrypt(secret, fingerprint).subarray(0, 12).toString('hex'))
    }
    expect(ivs.size).toBe(5000)
  })

  it('fails to decrypt a tampered ciphertext, tag or IV (GCM authentication)', () => {
    const cipher = new KeyCipher(randomBytes(32))
    const fingerprint = cipher.fingerprint(secret)
    const sealed = cipher.encrypt(secret, fingerprint)
    for (const offset of [0, 12, 28, sealed.length - 1]) {
      const tampered = Buffer.from(sealed)
      tampered[offset]! ^= 0x01
      expect(() => cipher.decrypt(7, tampered, fingerprint)).toThrow(KeyDecryptError)
    }
    expect(() => cipher.decrypt(7, sealed.subarray(0, 20), fingerprint)).toThrow(KeyDecryptError)
  })

  it('binds a ciphertext to its fingerprint and to its data key', () => {
    const cipher = new KeyCipher(randomBytes(32))
    const fingerprint = cipher.fingerprint(secret)
    const sealed = cipher.encrypt(secret, fingerprint)
    expect(() => cipher.decrypt(1, sealed, cipher.fingerprint('sk-other-key-123456'))).toThrow(
      /could not be decrypted/,
    )
    expect(() => new KeyCipher(randomBytes(32)).decrypt(1, sealed, fingerprint)).toThrow(
      KeyDecryptError,
    )
  })

  it('fingerprints deterministically per data key, without revealing the key', () => {
    const dataKey = randomBytes(32)
    const a = new KeyCipher(dataKey)
    const b = new KeyCipher(Buffer.from(dataKey))
    expect(a.fingerprint(secret).equals(b.fingerprint(secret))).toBe(true)
    expect(a.fingerprint(secret).equals(a.fingerprint(`${secret}x`))).toBe(false)
    expect(new KeyCipher(randomBytes(32)).fingerprint(secret).equals(a.fingerprint(secret))).toBe(
      false,
    )
  })

  it('refuses a data key of the wrong size', () => {
    expect(() => new KeyCipher(randomBytes(16))).toThrow(/32 bytes/)
  })
})
