import { afterEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../../../src/core/logger'
import {
  type SubKeyUsageDelta,
  UsageBatchWriter,
} from '../../../../src/core/routing/usage-batch-writer'
import type { KeyUsageDelta } from '../../../../src/core/store/key-repository'

function writer(options: { intervalMs?: number; maxRows?: number; keyIntervalMs?: number } = {}) {
  const keys: KeyUsageDelta[][] = []
  const subKeys: SubKeyUsageDelta[][] = []
  let transactions = 0
  const batch = new UsageBatchWriter(
    {
      transaction: (work) => {
        transactions++
        work()
      },
      writeKeys: (deltas) => keys.push([...deltas]),
      writeSubKeys: (deltas) => subKeys.push([...deltas]),
    },
    { logger: silentLogger, now: () => Date.now(), ...options },
  )
  return { batch, keys, subKeys, transactions: () => transactions }
}

const hit = { requests: 1, successes: 1, failures: 0, tokens: 10, consecutiveFailures: 0 }

afterEach(() => {
  vi.useRealTimers()
})

describe('UsageBatchWriter', () => {
  it('merges rows per id and writes them in one transaction after the interval', () => {
    vi.useFakeTimers()
    const { batch, keys, subKeys, transactions } = writer({ intervalMs: 200 })
    batch.addKey(1, { ...hit, lastUsedAt: 5 })
    batch.addKey(1, {
      ...hit,
      successes: 0,
      failures: 1,
      consecutiveFailures: 1,
      lastUsedAt: 9,
      lastError: 'HTTP 500',
    })
    batch.addKey(2, { ...hit, lastUsedAt: 7 })
    batch.addSubKey({ id: 3, requests: 1, tokens: 4, lastUsedAt: 1 })
    batch.addSubKey({ id: 3, requests: 1, tokens: 6, lastUsedAt: 2 })
    expect(transactions()).toBe(0)
    vi.advanceTimersByTime(199)
    expect(transactions()).toBe(0)
    vi.advanceTimersByTime(1)
    expect(transactions()).toBe(1)
    expect(keys).toEqual([
      [
        {
          id: 1,
          requests: 2,
          successes: 1,
          failures: 1,
          tokens: 20,
          consecutiveFailures: 1,
          lastUsedAt: 9,
          lastError: 'HTTP 500',
        },
        { id: 2, ...hit, lastUsedAt: 7 },
      ],
    ])
    expect(subKeys).toEqual([[{ id: 3, requests: 2, tokens: 10, lastUsedAt: 2 }]])
    expect(batch.pending).toBe(0)
  })

  it('flushes at once past maxRows (keys aside), and on stop', () => {
    const { batch, keys, subKeys, transactions } = writer({ maxRows: 3, intervalMs: 60_000 })
    for (let id = 1; id <= 5; id++) batch.addKey(id, { ...hit, lastUsedAt: 1 })
    batch.addSubKey({ id: 1, requests: 1, tokens: 1, lastUsedAt: 1 })
    batch.addSubKey({ id: 2, requests: 1, tokens: 1, lastUsedAt: 1 })
    expect(transactions()).toBe(0)
    batch.addSubKey({ id: 3, requests: 1, tokens: 1, lastUsedAt: 1 })
    expect(transactions()).toBe(1)
    batch.addSubKey({ id: 4, requests: 1, tokens: 1, lastUsedAt: 1 })
    batch.addKey(6, { ...hit, lastUsedAt: 1 })
    batch.stop()
    expect(transactions()).toBe(2)
    expect(keys.flat().map((row) => row.id)).toEqual([1, 2, 3, 4, 5, 6])
    expect(subKeys.flat().map((row) => row.id)).toEqual([1, 2, 3, 4])
  })

  it('writes key counters at most once per keyIntervalMs on its own, at once on flush()', () => {
    vi.useFakeTimers()
    const { batch, keys, subKeys } = writer({ intervalMs: 200, keyIntervalMs: 1_000 })
    const tick = (ms: number) => vi.advanceTimersByTime(ms)
    batch.addKey(1, { ...hit, lastUsedAt: 1 })
    tick(200)
    expect(keys).toHaveLength(1)
    // Within the second: sub-key rows go every interval, key rows wait and merge.
    batch.addKey(1, { ...hit, lastUsedAt: 2 })
    batch.addSubKey({ id: 9, requests: 1, tokens: 1, lastUsedAt: 2 })
    tick(200)
    expect(subKeys).toHaveLength(1)
    batch.addKey(1, { ...hit, lastUsedAt: 3 })
    tick(200)
    expect(keys).toHaveLength(1)
    // With no more traffic the held rows are still written once their second is up.
    tick(600)
    expect(keys).toHaveLength(2)
    expect(keys[1]).toEqual([
      { id: 1, ...hit, requests: 2, successes: 2, tokens: 20, lastUsedAt: 3 },
    ])
    // Rows that come while key counters are held still go within one interval.
    batch.addKey(1, { ...hit, lastUsedAt: 5 })
    tick(200)
    batch.addSubKey({ id: 9, requests: 1, tokens: 1, lastUsedAt: 5 })
    tick(200)
    expect(subKeys).toHaveLength(2)
    expect(keys).toHaveLength(2)
    // An explicit flush (a read, a backup, a stop) does not wait.
    batch.addKey(2, { ...hit, lastUsedAt: 4 })
    batch.flush()
    expect(keys).toHaveLength(3)
    expect(keys[2]!.map((row) => row.id)).toEqual([1, 2])
    expect(batch.pending).toBe(0)
  })

  it('logs a failed write without throwing to the request path', () => {
    const error = vi.fn()
    const batch = new UsageBatchWriter(
      {
        transaction: () => {
          throw new Error('disk full')
        },
        writeKeys: () => {},
        writeSubKeys: () => {},
      },
      { logger: { ...silentLogger, error } },
    )
    batch.addKey(1, { ...hit, lastUsedAt: 1 })
    expect(() => batch.flush()).not.toThrow()
    expect(error).toHaveBeenCalledOnce()
  })
})
