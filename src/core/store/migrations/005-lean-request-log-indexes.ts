import type { Migration } from '../migration'

/**
 * Fewer request-log indexes, because every index costs the proxy's thread a B-tree insert per
 * request: at 1,000,000 rows a flush of 1,000 requests took 22 ms with five indexes, which cost
 * ~8% of the proxy's throughput (issue 5's benchmark).
 *
 * - `(model, at)` goes: a few models share the log, so a newest-first scan of `(at)` finds a
 *   page of one model about as fast.
 * - `(outcome, at)` becomes partial, over the failures only. Successes are most rows and a
 *   newest-first scan finds them at once; failures are rare, which is when an index pays, and a
 *   partial index costs nothing for a successful request. A query uses it by carrying the
 *   term `outcome <> 'success'` (see `request-log-repository.ts`).
 * - `(at)`, `(sub_key_id, at)` and `(key_id, at)` stay: time ranges, the per-client log and
 *   the per-key log.
 */
export const leanRequestLogIndexesMigration: Migration = {
  version: 5,
  name: 'lean request log indexes',
  up(db) {
    db.exec(`
      DROP INDEX ix_request_log_model;
      DROP INDEX ix_request_log_outcome;
      CREATE INDEX ix_request_log_failures ON request_log (outcome, at) WHERE outcome <> 'success';
    `)
  },
}
