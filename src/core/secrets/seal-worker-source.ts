/**
 * The sealing worker, as source text: an `eval` worker needs no separate entry file, so the
 * Electron and headless bundles ship it without build configuration. For each key it does what
 * `KeyCipher.fingerprint` + `KeyCipher.encrypt` do (HMAC-SHA256 fingerprint; AES-256-GCM with a
 * random 12-byte IV and the fingerprint as associated data, packed `iv | tag | ciphertext`) and
 * writes the result into shared memory at the offsets it is given, then flags the chunk done
 * (1) or failed (2). test/unit/core/secrets/parallel-sealer.test.ts proves the two agree.
 */
export const SEAL_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createCipheriv, createHmac, createSecretKey, randomFillSync } = require('node:crypto')
const encryptionKey = createSecretKey(Buffer.from(workerData.encryptionKey))
const fingerprintKey = createSecretKey(Buffer.from(workerData.fingerprintKey))
parentPort.on('message', ({ chunks, offsets, fingerprints, sealed, flags }) => {
  const fingerprintArea = Buffer.from(fingerprints)
  const sealedArea = Buffer.from(sealed)
  const state = new Int32Array(flags)
  for (const { index, start, secrets } of chunks) {
    try {
      const ivs = randomFillSync(Buffer.alloc(12 * secrets.length))
      for (let k = 0; k < secrets.length; k++) {
        const at = offsets[start + k]
        const fingerprint = createHmac('sha256', fingerprintKey).update(secrets[k], 'utf8').digest()
        fingerprint.copy(fingerprintArea, 32 * (start + k))
        const iv = ivs.subarray(12 * k, 12 * k + 12)
        const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv)
        cipher.setAAD(fingerprint)
        const body = cipher.update(secrets[k], 'utf8')
        cipher.final()
        iv.copy(sealedArea, at)
        cipher.getAuthTag().copy(sealedArea, at + 12)
        body.copy(sealedArea, at + 28)
      }
      Atomics.store(state, index, 1)
    } catch {
      Atomics.store(state, index, 2)
    }
    Atomics.notify(state, index)
  }
})
`
