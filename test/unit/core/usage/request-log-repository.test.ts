import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../../src/core/store/database'
import { RequestLogRepository } from '../../../../src/core/usage/request-log-repository'
import { completedRequest } from '../../../support/completed-request'
import { tempDir } from '../../../support/temp-dir'

let db: Database | undefined
afterEach(() => db?.close())

function repository(): RequestLogRepository {
  db = openDatabase(path.join(tempDir(), 'keypool.db'))
  return new RequestLogRepository(db)
}

describe('RequestLogRepository', () => {
  it('stores every row of a batch, whole groups of 25 and the rest, with each column', () => {
    const log = repository()
    const requests = Array.from({ length: 57 }, (_, i) =>
      completedRequest(1_000 + i, {
        keyId: i,
        ttfbMs: i % 2 === 0 ? null : i,
        streamed: i % 3 === 0,
        errorCode: i === 56 ? 'upstream_timeout' : null,
        latencyMs: i + 0.4,
      }),
    )
    db!.transaction(() => log.insert(requests))()
    const { rows, total } = log.page({}, 100, 0)
    expect(total).toBe(57)
    const oldestFirst = [...rows].reverse()
    expect(oldestFirst.map((row) => row.at)).toEqual(requests.map((r) => r.at))
    expect(oldestFirst.map((row) => row.key_id)).toEqual(requests.map((r) => r.keyId))
    expect(oldestFirst.map((row) => row.ttfb_ms)).toEqual(requests.map((r) => r.ttfbMs))
    expect(oldestFirst.map((row) => row.streamed)).toEqual(
      requests.map((r) => (r.streamed ? 1 : 0)),
    )
    expect(oldestFirst.at(-1)!.error_code).toBe('upstream_timeout')
    expect(oldestFirst[3]!.latency_ms).toBe(3)
  })

  it('stores common and other rows alike, in groups of either kind and mixed', () => {
    const log = repository()
    // Group 1: successful first-attempt POSTs only; group 2: one GET among them; group 3: one
    // retried and one failed request; then a rest of common rows.
    const requests = Array.from({ length: 80 }, (_, i) =>
      completedRequest(5_000 + i, {
        keyId: i % 7,
        model: i % 2 ? 'gpt-4o' : null,
        method: i === 30 ? 'GET' : 'POST',
        attempts: i === 55 ? 2 : 1,
        ...(i === 60
          ? { status: 502, outcome: 'upstream_error' as const, errorCode: 'upstream_unreachable' }
          : {}),
        ttfbMs: i % 3 ? i : null,
        cachedTokens: i,
        reasoningTokens: i + 1,
        streamed: i % 4 === 0,
        promptTokens: i + 2,
        totalTokens: i + 6,
        bytesOut: 100 + i,
        providerId: i % 2 ? 1 : 2,
      }),
    )
    db!.transaction(() => log.insert(requests))()
    const { rows, total } = log.page({}, 100, 0)
    expect(total).toBe(80)
    const stored = [...rows].reverse().map((row) => ({
      at: row.at,
      keyId: row.key_id,
      model: row.model,
      method: row.method,
      endpoint: row.endpoint,
      status: row.status,
      outcome: row.outcome,
      errorCode: row.error_code,
      ttfbMs: row.ttfb_ms,
      cachedTokens: row.cached_tokens,
      reasoningTokens: row.reasoning_tokens,
      streamed: row.streamed === 1,
      attempts: row.attempts,
      subKeyId: row.sub_key_id,
      providerId: row.provider_id,
      tokens: [row.prompt_tokens, row.completion_tokens, row.total_tokens],
      latencyMs: row.latency_ms,
      bytesOut: row.bytes_out,
    }))
    expect(stored).toEqual(
      requests.map((r) => ({
        at: r.at,
        keyId: r.keyId,
        model: r.model,
        method: r.method,
        endpoint: r.endpoint,
        status: r.status,
        outcome: r.outcome,
        errorCode: r.errorCode,
        ttfbMs: r.ttfbMs,
        cachedTokens: r.cachedTokens,
        reasoningTokens: r.reasoningTokens,
        streamed: r.streamed,
        attempts: r.attempts,
        subKeyId: r.subKeyId,
        providerId: r.providerId,
        tokens: [r.promptTokens, r.completionTokens, r.totalTokens],
        latencyMs: r.latencyMs,
        bytesOut: r.bytesOut,
      })),
    )
  })

  it('stores groups of one client sharing their values, and groups that break off', () => {
    const log = repository()
    // 0–24: one client; 25–49: one row of another model; 50–74: one client again (another
    // sub-key, unstreamed, 201); 75–99: one row streamed unlike the rest; then a rest of 10.
    const requests = Array.from({ length: 110 }, (_, i) =>
      completedRequest(9_000 + i, {
        subKeyId: i >= 50 && i < 75 ? 2 : 1,
        keyId: i % 5,
        model: i === 40 ? 'gpt-4o' : 'gpt-4o-mini',
        status: i >= 50 && i < 75 ? 201 : 200,
        streamed: i >= 50 && i < 75 ? false : i !== 80,
        latencyMs: 30 + i + 0.6,
        ttfbMs: i % 4 ? 10 + i : null,
        promptTokens: i,
        completionTokens: 2 * i,
        cachedTokens: i % 3,
        reasoningTokens: i % 7,
        totalTokens: 3 * i,
        bytesOut: 700 + i,
        providerId: i < 100 ? 1 : 3,
      }),
    )
    db!.transaction(() => log.insert(requests))()
    const { rows, total } = log.page({}, 200, 0)
    expect(total).toBe(110)
    const stored = [...rows]
      .reverse()
      .map((row) => [
        row.at,
        row.sub_key_id,
        row.provider_id,
        row.key_id,
        row.model,
        row.method,
        row.endpoint,
        row.status,
        row.outcome,
        row.error_code,
        row.latency_ms,
        row.ttfb_ms,
        row.prompt_tokens,
        row.completion_tokens,
        row.cached_tokens,
        row.reasoning_tokens,
        row.total_tokens,
        row.streamed,
        row.bytes_out,
        row.attempts,
      ])
    expect(stored).toEqual(
      requests.map((r) => [
        r.at,
        r.subKeyId,
        r.providerId,
        r.keyId,
        r.model,
        r.method,
        r.endpoint,
        r.status,
        r.outcome,
        r.errorCode,
        Math.round(r.latencyMs),
        r.ttfbMs,
        r.promptTokens,
        r.completionTokens,
        r.cachedTokens,
        r.reasoningTokens,
        r.totalTokens,
        r.streamed ? 1 : 0,
        r.bytesOut,
        r.attempts,
      ]),
    )
  })

  it('filters by a failure outcome through the partial index, and by success without it', () => {
    const log = repository()
    const outcomes = ['success', 'upstream_error', 'success', 'rate_limited', 'upstream_error']
    db!.transaction(() =>
      log.insert(
        outcomes.map((outcome, i) =>
          completedRequest(2_000 + i, { outcome: outcome as 'success', status: 200 }),
        ),
      ),
    )()
    expect(log.page({ outcome: 'upstream_error' }, 50, 0).rows.map((r) => r.at)).toEqual([
      2_004, 2_001,
    ])
    expect(log.page({ outcome: 'upstream_error' }, 50, 0).total).toBe(2)
    expect(log.page({ outcome: 'success' }, 50, 0).total).toBe(2)
    const plan = db!
      .prepare(
        `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM request_log
         WHERE outcome = 'rate_limited' AND outcome <> 'success'`,
      )
      .all() as { detail: string }[]
    expect(plan.map((step) => step.detail).join()).toContain('ix_request_log_failures')
  })

  it('pages one key newest first without an index of its own (migration 006)', () => {
    const log = repository()
    db!.transaction(() =>
      log.insert(
        Array.from({ length: 30 }, (_, i) => completedRequest(3_000 + i, { keyId: i % 3 })),
      ),
    )()
    const page = log.page({ keyId: 2 }, 4, 0)
    expect(page.total).toBe(10)
    expect(page.rows.map((row) => row.at)).toEqual([3_029, 3_026, 3_023, 3_020])
    const indexes = db!
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'request_log'")
      .all() as { name: string }[]
    expect(indexes.map((index) => index.name).sort()).toEqual([
      'ix_request_log_at',
      'ix_request_log_failures',
      'ix_request_log_sub_key',
    ])
  })

  // The write calls of this process, from the kernel's own count (Linux only).
  const writeCalls = () => Number(/syscw: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1])

  it.runIf(process.platform === 'linux')(
    'writes batches without a statement journal, even when an index scatters their rows',
    () => {
      const log = repository()
      // Ten insertion points per statement, as the dropped (key_id, at) index had: a plain
      // multi-row INSERT then spills a statement journal of ~1.6 page writes per row.
      db!.exec('CREATE INDEX ix_test_scattered ON request_log (key_id, at)')
      const batch = (from: number) =>
        Array.from({ length: 1_000 }, (_, i) => completedRequest(from + i, { keyId: i % 10 }))
      for (let warm = 0; warm < 3; warm++) db!.transaction(() => log.insert(batch(warm * 1_000)))()
      const before = writeCalls()
      db!.transaction(() => log.insert(batch(10_000)))()
      const calls = writeCalls() - before
      // About 0.1 per row in the WAL (measured 100–150 per batch, against 1,100–1,800 with the
      // journal).
      expect(calls).toBeLessThan(400)
      expect(log.page({}, 1, 0).total).toBe(4_000)
    },
  )
})
