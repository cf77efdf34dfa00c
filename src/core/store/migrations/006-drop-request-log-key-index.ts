import type { Migration } from '../migration'

/**
 * The request log loses its `(key_id, at)` index: in a pool of many keys it cost more than
 * anything else a request does.
 *
 * A B-tree led by a column of many values takes each request's entry at another place: with
 * 1,000 keys in rotation a batch of 1,000 rows dirties about 1,000 index pages, every one of them
 * written to the WAL at commit and again at the checkpoint it forces. On a log of 1,000,000 rows
 * that was 19.5 µs of the proxy's thread per request (against 3.5 µs for the whole row with 10
 * keys), and a 20 ms stall of the event loop per batch
 * (`npm run bench -- test/bench/usage-writes.bench.ts`).
 *
 * The per-key log is read the way the per-model one already is (migration 005): newest first
 * along `(at)`, which finds a page of a key in use at once; a key's usage figures come from the
 * roll-ups, never from the log. `(sub_key_id, at)` stays: clients are few, and their log is the
 * one users read most.
 */
export const dropRequestLogKeyIndexMigration: Migration = {
  version: 6,
  name: 'drop the request log key index',
  up(db) {
    db.exec('DROP INDEX ix_request_log_key')
  },
}
