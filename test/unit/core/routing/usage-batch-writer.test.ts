import { afterEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../../../src/core/logger'
import {
  type SubKeyUsageDelta,
  UsageBatchWriter,
} from '../../../../src/core/routing/usage-batch-writer'
import type { KeyUsageDelta } from '../../../../src/core/store/key-repository'

function writer(options: { intervalMs?: number; maxRows?: number } = {}) {
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
    { logger: silentLogger, ...options },
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

  it('flushes at once past maxRows, and on stop', () => {
    const { batch, keys, transactions } = writer({ maxRows: 3, intervalMs: 60_000 })
    batch.addKey(1, { ...hit, lastUsedAt: 1 })
    batch.addKey(2, { ...hit, lastUsedAt: 1 })
    expect(transactions()).toBe(0)
    batch.addKey(3, { ...hit, lastUsedAt: 1 })
    expect(transactions()).toBe(1)
    batch.addKey(4, { ...hit, lastUsedAt: 1 })
    batch.stop()
    expect(transactions()).toBe(2)
    expect(keys.flat().map((row) => row.id)).toEqual([1, 2, 3, 4])
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
