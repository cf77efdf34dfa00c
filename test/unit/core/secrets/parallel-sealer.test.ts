import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { KeyCipher, type SealedKey } from '../../../../src/core/secrets/key-cipher'
import {
  ParallelSealer,
  type ParallelSealerOptions,
} from '../../../../src/core/secrets/parallel-sealer'

const secrets = Array.from(
  { length: 2_500 },
  (_, i) => `sk-par-${i}-${randomBytes(12 + (i % 7)).toString('hex')}`,
)

let sealer: ParallelSealer | undefined
afterEach(async () => {
  await sealer?.close()
  sealer = undefined
})

function sealAll(
  cipher: KeyCipher,
  options: ParallelSealerOptions,
  chunkSize = 300,
): { starts: number[]; sealed: SealedKey[] } {
  sealer = new ParallelSealer(cipher, options)
  const starts: number[] = []
  const sealed: SealedKey[] = []
  sealer.sealInChunks(secrets, chunkSize, (start, chunk) => {
    starts.push(start)
    sealed.push(...chunk)
  })
  return { starts, sealed }
}

function expectOpens(cipher: KeyCipher, sealed: readonly SealedKey[]): void {
  expect(sealed).toHaveLength(secrets.length)
  sealed.forEach((key, i) => {
    expect(key.fingerprint.equals(cipher.fingerprint(secrets[i]!))).toBe(true)
    expect(cipher.decrypt(i, key.sealed, key.fingerprint)).toBe(secrets[i])
  })
}

describe('ParallelSealer', () => {
  it('seals on workers exactly as KeyCipher does, handing chunks over in order', () => {
    const cipher = new KeyCipher(randomBytes(32))
    const { starts, sealed } = sealAll(cipher, { threads: 2, minParallel: 0 })
    expect(starts).toEqual(Array.from({ length: 9 }, (_, i) => i * 300))
    expectOpens(cipher, sealed)
    const ivs = new Set(sealed.map((key) => key.sealed.subarray(0, 12).toString('hex')))
    expect(ivs.size).toBe(secrets.length)
    for (const key of sealed) expect(key.sealed.includes(Buffer.from('sk-par-'))).toBe(false)
  })

  it('seals on the calling thread without workers or for small batches', () => {
    const cipher = new KeyCipher(randomBytes(32))
    expectOpens(cipher, sealAll(cipher, { threads: 0 }).sealed)
    expectOpens(cipher, sealAll(cipher, { threads: 2, minParallel: 10_000 }).sealed)
  })

  it('falls back to the calling thread when a worker fails or stalls', () => {
    const cipher = new KeyCipher(randomBytes(32))
    const failing = `
      const { parentPort } = require('node:worker_threads')
      parentPort.on('message', ({ chunks, flags }) => {
        const state = new Int32Array(flags)
        for (const { index } of chunks) { Atomics.store(state, index, 2); Atomics.notify(state, index) }
      })`
    expectOpens(cipher, sealAll(cipher, { threads: 1, minParallel: 0, source: failing }).sealed)
    const silent = `require('node:worker_threads').parentPort.on('message', () => {})`
    const started = performance.now()
    const stalled = sealAll(cipher, { threads: 1, minParallel: 0, source: silent, chunkWaitMs: 50 })
    expectOpens(cipher, stalled.sealed)
    expect(performance.now() - started).toBeLessThan(2_000)
    const crashing = { threads: 1, minParallel: 0, source: 'throw 1', chunkWaitMs: 200 }
    expectOpens(cipher, sealAll(cipher, crashing).sealed)
  })
})
