import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../../src/core/logger'
import { UsageBatchWriter } from '../../../../src/core/routing/usage-batch-writer'
import type { CompletedRequest } from '../../../../src/core/usage/completed-request'
import { completedRequest } from '../../../support/completed-request'

describe('request log rows in the usage batch', () => {
  it('writes them with the counters in one transaction, at maxRows or on stop', () => {
    const written: CompletedRequest[][] = []
    const order: string[] = []
    let transactions = 0
    const batch = new UsageBatchWriter(
      {
        transaction: (work) => {
          transactions++
          work()
        },
        writeKeys: () => order.push('keys'),
        writeSubKeys: () => order.push('subKeys'),
        writeRequests: (requests) => {
          order.push('requests')
          written.push([...requests])
        },
      },
      { logger: silentLogger, maxRows: 3, intervalMs: 60_000 },
    )
    batch.addSubKey({ id: 1, requests: 1, tokens: 10, lastUsedAt: 1 })
    batch.addRequest(completedRequest(1))
    expect(transactions).toBe(0)
    batch.addRequest(completedRequest(2))
    expect(transactions).toBe(1)
    expect(order).toEqual(['subKeys', 'requests'])
    expect(written.map((rows) => rows.map((row) => row.at))).toEqual([[1, 2]])
    batch.addRequest(completedRequest(3))
    batch.stop()
    expect(transactions).toBe(2)
    expect(written.at(-1)!.map((row) => row.at)).toEqual([3])
    expect(batch.pending).toBe(0)
  })
})
