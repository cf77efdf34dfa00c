import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { verifyBackupFile } from '../../src/core/backup/verify-backup-file'
import { KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import { KeyFileWrapper } from '../../src/core/secrets/key-file-wrapper'
import { migrations } from '../../src/core/store/migrations'
import { tempDir } from '../support/temp-dir'

/**
 * Backup figures (SECURITY D6): time and size of a backup and a restore at 10,000 keys, with a
 * request log of 0 and of BACKUP_BENCH_LOG_ROWS rows (default 200,000), and the longest stall of
 * the event loop meanwhile (what a proxied request would wait). Prints, never asserts timings:
 *   npm run bench -- test/bench/backup.bench.ts
 */
const KEYS = 10_000
const LOG_ROWS = Number(process.env.BACKUP_BENCH_LOG_ROWS ?? 200_000)

const rows: string[] = []
const report = (what: string, ms: number, extra = ''): void => {
  rows.push(`${what.padEnd(52)} ${ms.toFixed(1).padStart(9)} ms ${extra}`)
}

afterAll(() => {
  console.log(`\nKeyPool backup benchmark (${KEYS} keys, node ${process.version})\n`)
  console.log(rows.join('\n'))
})

/** Runs `work` while a 1 ms ticker measures the longest gap between two turns of the loop. */
async function withStallMeter<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now()
  let stallMs = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    stallMs = Math.max(stallMs, now - last)
    last = now
  }, 1)
  try {
    const result = await work()
    return { result, stallMs: Math.max(stallMs, performance.now() - last) }
  } finally {
    clearInterval(ticker)
  }
}

function fillLog(core: KeyPoolCore, count: number): void {
  const insert = core.database.prepare(
    `INSERT INTO request_log (at, sub_key_id, provider_id, key_id, model, method, endpoint, status,
       outcome, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, total_tokens, bytes_out,
       attempts)
     VALUES (?, ?, 1, ?, ?, 'POST', '/v1/chat/completions', 200, 'success', ?, ?, 12, 30, 42,
       900, 1)`,
  )
  const now = Date.now()
  core.database.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(
        now - i * 1_000,
        1 + (i % 20),
        1 + (i % KEYS),
        i % 3 ? 'gpt-4o-mini' : 'gpt-4o',
        300 + (i % 700),
        80 + (i % 100),
      )
    }
  })()
}

describe('backup benchmark', () => {
  for (const logRows of [0, LOG_ROWS]) {
    it(`backs up and restores 10,000 keys with ${logRows} log rows`, async () => {
      const dataDir = tempDir('keypool-bench-')
      const core = KeyPoolCore.open({ dataDir, logger: silentLogger })
      try {
        core.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
        core.keys.bulkAdd({
          keys: Array.from(
            { length: KEYS },
            () => `sk-proj-${randomBytes(36).toString('base64url')}`,
          ).join('\n'),
        })
        for (let i = 0; i < 20; i++) {
          await core.router.call(
            'subKeys.create',
            { name: `client ${i}` },
            { transport: 'internal' },
          )
        }
        fillLog(core, logRows)
        core.database.pragma('wal_checkpoint(TRUNCATE)')
        const label = `${logRows} log rows`

        // The first backup warms the page cache and creates the folder.
        await core.backups.create()
        const createdAt = performance.now()
        const second = await withStallMeter(() => core.backups.create())
        const size = `${(second.result.sizeBytes / 1024 / 1024).toFixed(1)} MB`
        report(
          `create (backup API + verify), ${label}`,
          performance.now() - createdAt,
          `${size}, longest event-loop stall ${second.stallMs.toFixed(1)} ms`,
        )

        let started = performance.now()
        const verified = await withStallMeter(() =>
          verifyBackupFile(
            core.backups.directory.file(second.result.name),
            new KeyFileWrapper(dataDir),
            migrations,
          ),
        )
        verified.result.dataKey?.fill(0)
        report(
          `  of which verify (integrity_check on a worker)`,
          performance.now() - started,
          `longest event-loop stall ${verified.stallMs.toFixed(1)} ms`,
        )

        started = performance.now()
        const restored = await withStallMeter(() => core.backups.restore(second.result.name))
        report(
          `restore (stage, safety copy, swap, reload), ${label}`,
          performance.now() - started,
          `longest event-loop stall ${restored.stallMs.toFixed(1)} ms`,
        )
        expect(core.keys.routingKeys()).toHaveLength(KEYS)
      } finally {
        await core.close(0)
      }
    })
  }
})
