import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { GCM_IV_BYTES, GCM_TAG_BYTES } from './aes-gcm'
import type { KeyCipher, SealedKey } from './key-cipher'
import { SEAL_WORKER_SOURCE } from './seal-worker-source'

/** Receives each sealed chunk, in order; `start` is the index of its first key. */
export type SealedChunkSink = (start: number, sealed: SealedKey[]) => void

export interface ParallelSealerOptions {
  /** Worker threads; 0 seals on the calling thread only. */
  threads?: number
  /** Batches smaller than this are sealed on the calling thread (a worker round trip costs more). */
  minParallel?: number
  /** How long to wait for a worker's chunk before sealing it here instead. */
  chunkWaitMs?: number
  /** The worker's code (tests substitute a broken one). */
  source?: string
}

const FINGERPRINT_BYTES = 32
const PENDING = 0
const DONE = 1

/** Spare cores for sealing, keeping one for the event loop and SQLite. */
export const defaultSealerThreads = (): number =>
  Math.max(0, Math.min(4, os.availableParallelism() - 1))

/** One batch handed to the workers: shared result areas and a done-flag per chunk. */
class SealJob {
  readonly flags: Int32Array
  private readonly fingerprints: SharedArrayBuffer
  private readonly sealed: SharedArrayBuffer
  private readonly offsets: Uint32Array

  constructor(
    private readonly secrets: readonly string[],
    readonly chunkSize: number,
  ) {
    this.offsets = new Uint32Array(secrets.length + 1)
    for (let i = 0; i < secrets.length; i++) {
      const length = GCM_IV_BYTES + GCM_TAG_BYTES + Buffer.byteLength(secrets[i]!, 'utf8')
      this.offsets[i + 1] = this.offsets[i]! + length
    }
    this.fingerprints = new SharedArrayBuffer(FINGERPRINT_BYTES * secrets.length)
    this.sealed = new SharedArrayBuffer(this.offsets[secrets.length]!)
    this.flags = new Int32Array(new SharedArrayBuffer(4 * Math.ceil(secrets.length / chunkSize)))
  }

  /** Chunk `index` goes to worker `index % workers.length`. */
  post(workers: readonly Worker[]): void {
    workers.forEach((worker, w) => {
      const chunks = []
      for (let index = w; index < this.flags.length; index += workers.length) {
        const start = index * this.chunkSize
        chunks.push({ index, start, secrets: this.secrets.slice(start, start + this.chunkSize) })
      }
      const { offsets, fingerprints, sealed } = this
      worker.postMessage({ chunks, offsets, fingerprints, sealed, flags: this.flags.buffer })
    })
  }

  /** Blocks until the chunk is done; false when it failed or took longer than `waitMs`. */
  await(index: number, waitMs: number): boolean {
    for (;;) {
      const state = Atomics.load(this.flags, index)
      if (state !== PENDING) return state === DONE
      if (Atomics.wait(this.flags, index, PENDING, waitMs) === 'timed-out') {
        return Atomics.load(this.flags, index) === DONE
      }
    }
  }

  /** Copies a finished chunk out of shared memory. */
  read(index: number): SealedKey[] {
    const start = index * this.chunkSize
    const end = Math.min(start + this.chunkSize, this.secrets.length)
    const keys: SealedKey[] = []
    for (let i = start; i < end; i++) {
      keys.push({
        fingerprint: Buffer.from(
          new Uint8Array(this.fingerprints, FINGERPRINT_BYTES * i, FINGERPRINT_BYTES),
        ),
        sealed: Buffer.from(
          new Uint8Array(this.sealed, this.offsets[i]!, this.offsets[i + 1]! - this.offsets[i]!),
        ),
      })
    }
    return keys
  }
}

/**
 * Fingerprints and encrypts a large batch of keys on worker threads while the calling thread
 * consumes the finished chunks, so that a bulk add of 100,000 keys encrypts in parallel with its
 * inserts, still synchronously and inside one transaction (SPEC §2.2: < 2 s). The caller blocks
 * on `Atomics.wait`, so no other code runs on its connection meanwhile. A worker that fails or
 * stalls never fails the batch: its chunks are sealed on the calling thread, and the workers are
 * replaced on the next batch.
 */
export class ParallelSealer {
  private workers: Worker[] = []
  private readonly threads: number
  private readonly minParallel: number
  private readonly chunkWaitMs: number
  private readonly source: string
  private closed = false

  constructor(
    private readonly cipher: KeyCipher,
    options: ParallelSealerOptions = {},
  ) {
    this.threads = options.threads ?? defaultSealerThreads()
    this.minParallel = options.minParallel ?? 4_000
    this.chunkWaitMs = options.chunkWaitMs ?? 5_000
    this.source = options.source ?? SEAL_WORKER_SOURCE
  }

  /** Seals `secrets` chunk by chunk, handing each to `sink` in order before returning. */
  sealInChunks(secrets: readonly string[], chunkSize: number, sink: SealedChunkSink): void {
    const workers = secrets.length >= this.minParallel ? this.ensureWorkers() : []
    const job = workers.length > 0 ? new SealJob(secrets, chunkSize) : undefined
    job?.post(workers)
    let fallback = false
    for (let start = 0, index = 0; start < secrets.length; start += chunkSize, index++) {
      // After one failure, take only what the workers already finished.
      if (job?.await(index, fallback ? 0 : this.chunkWaitMs)) {
        sink(start, job.read(index))
        continue
      }
      fallback = job !== undefined
      sink(start, this.cipher.sealMany(secrets.slice(start, start + chunkSize)))
    }
    if (fallback) void this.recycle()
  }

  async close(): Promise<void> {
    this.closed = true
    await this.recycle()
  }

  private ensureWorkers(): Worker[] {
    if (this.closed || this.threads < 1) return []
    while (this.workers.length < this.threads) {
      const worker = new Worker(this.source, { eval: true, workerData: this.cipher.workerKeys() })
      worker.unref()
      worker.on('error', () => void this.recycle())
      this.workers.push(worker)
    }
    return this.workers
  }

  private async recycle(): Promise<void> {
    const retired = this.workers
    this.workers = []
    await Promise.all(retired.map((worker) => worker.terminate()))
  }
}
