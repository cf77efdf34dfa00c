import type { Migration } from '../migration'

/** Latency histogram columns of a roll-up row; fixed here, as a shipped migration never changes. */
const histogramColumns = Array.from(
  { length: 24 },
  (_, i) => `l${i} INTEGER NOT NULL DEFAULT 0`,
).join(',\n        ')

/**
 * The request log and its roll-ups (SPEC §5).
 *
 * `request_log` holds one row per proxied request, no bodies, and is pruned after the retention.
 * Ids and times have no foreign keys: the log outlives the keys and sub-keys it names. Its
 * indexes serve newest-first pages over a time range, alone or filtered by sub-key, key, model
 * or outcome.
 *
 * `usage_rollups` keeps per-minute, per-hour and per-day sums that survive the pruning, so totals
 * and history stay exact. A row sums one `dim` (`all`, `model`, `key`, `subKey`, `subKeyModel`)
 * per bucket and outcome rather than every combination of them: the cross product of keys,
 * sub-keys and models grows as fast as the log itself, the slices stay small enough for a 90-day
 * chart to read in milliseconds. `l0..l23` are a latency histogram, so p50/p95 merge by addition.
 * The clustered key (`WITHOUT ROWID`) makes a series one contiguous range read.
 */
export const requestLogMigration: Migration = {
  version: 4,
  name: 'request log and usage roll-ups',
  up(db) {
    db.exec(`
      CREATE TABLE request_log (
        id                INTEGER PRIMARY KEY,
        at                INTEGER NOT NULL,
        sub_key_id        INTEGER,
        provider_id       INTEGER,
        key_id            INTEGER,
        model             TEXT,
        method            TEXT NOT NULL,
        endpoint          TEXT NOT NULL,
        status            INTEGER NOT NULL,
        outcome           TEXT NOT NULL,
        error_code        TEXT,
        latency_ms        INTEGER NOT NULL,
        ttfb_ms           INTEGER,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens     INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens  INTEGER NOT NULL DEFAULT 0,
        total_tokens      INTEGER NOT NULL DEFAULT 0,
        streamed          INTEGER NOT NULL DEFAULT 0 CHECK (streamed IN (0, 1)),
        bytes_out         INTEGER NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE INDEX ix_request_log_at ON request_log (at);
      CREATE INDEX ix_request_log_sub_key ON request_log (sub_key_id, at);
      CREATE INDEX ix_request_log_key ON request_log (key_id, at);
      CREATE INDEX ix_request_log_model ON request_log (model, at);
      CREATE INDEX ix_request_log_outcome ON request_log (outcome, at);

      CREATE TABLE usage_rollups (
        grain             TEXT NOT NULL CHECK (grain IN ('m', 'h', 'd')),
        dim               TEXT NOT NULL,
        bucket            INTEGER NOT NULL,
        value             TEXT NOT NULL,
        outcome           TEXT NOT NULL,
        requests          INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens     INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens  INTEGER NOT NULL DEFAULT 0,
        total_tokens      INTEGER NOT NULL DEFAULT 0,
        bytes_out         INTEGER NOT NULL DEFAULT 0,
        latency_sum       INTEGER NOT NULL DEFAULT 0,
        ttfb_sum          INTEGER NOT NULL DEFAULT 0,
        ttfb_count        INTEGER NOT NULL DEFAULT 0,
        last_at           INTEGER NOT NULL DEFAULT 0,
        ${histogramColumns},
        PRIMARY KEY (grain, dim, bucket, value, outcome)
      ) STRICT, WITHOUT ROWID;
    `)
  },
}
