import type { Migration } from '../migration'

/**
 * Upstream keys, encrypted (SECURITY.md S1), and their state history.
 *
 * `sealed` is `iv | tag | ciphertext` (AES-256-GCM); `fingerprint` is an HMAC of the key that
 * finds duplicates per provider without the secret. Only `prefix` and `last4` are in clear.
 * `last_used_at` is 0 for "never" so its index sorts without a NULL special case. The indexes
 * serve the key table: filter by state or provider, search (a covering scan of label, last4 and
 * the filters) and sort by label, last use, requests or failures; creation order is the id
 * order. Fresh keys (no label, no usage) append to the end of every index but the fingerprint's,
 * which keeps a bulk add of 100,000 keys fast.
 */
export const upstreamKeysMigration: Migration = {
  version: 2,
  name: 'upstream keys, encrypted',
  up(db) {
    db.exec(`
      CREATE TABLE secrets_meta (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        backend     TEXT NOT NULL,
        wrapped_key BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE upstream_keys (
        id                   INTEGER PRIMARY KEY,
        provider_id          INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
        label                TEXT NOT NULL DEFAULT '',
        sealed               BLOB NOT NULL,
        fingerprint          BLOB NOT NULL,
        prefix               TEXT NOT NULL,
        last4                TEXT NOT NULL,
        state                TEXT NOT NULL DEFAULT 'active'
                             CHECK (state IN ('active', 'cooling', 'exhausted', 'invalid', 'disabled')),
        state_reason         TEXT,
        cooldown_until       INTEGER,
        weight               INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 1000),
        requests             INTEGER NOT NULL DEFAULT 0,
        successes            INTEGER NOT NULL DEFAULT 0,
        failures             INTEGER NOT NULL DEFAULT 0,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        tokens               INTEGER NOT NULL DEFAULT 0,
        last_used_at         INTEGER NOT NULL DEFAULT 0,
        last_error           TEXT,
        models_json          TEXT,
        created_at           INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL
      ) STRICT;

      CREATE UNIQUE INDEX ux_upstream_keys_fingerprint ON upstream_keys (provider_id, fingerprint);
      CREATE INDEX ix_upstream_keys_provider ON upstream_keys (provider_id);
      CREATE INDEX ix_upstream_keys_state ON upstream_keys (state);
      CREATE INDEX ix_upstream_keys_search
        ON upstream_keys (label COLLATE NOCASE, id, last4, state, provider_id);
      CREATE INDEX ix_upstream_keys_last_used ON upstream_keys (last_used_at);
      CREATE INDEX ix_upstream_keys_requests ON upstream_keys (requests);
      CREATE INDEX ix_upstream_keys_failures ON upstream_keys (failures);

      CREATE TABLE key_state_transitions (
        id          INTEGER PRIMARY KEY,
        key_id      INTEGER NOT NULL REFERENCES upstream_keys (id) ON DELETE CASCADE,
        at          INTEGER NOT NULL,
        from_state  TEXT NOT NULL,
        to_state    TEXT NOT NULL,
        reason      TEXT NOT NULL,
        http_status INTEGER,
        message     TEXT
      ) STRICT;

      CREATE INDEX ix_key_state_transitions_key ON key_state_transitions (key_id, id);
    `)
  },
}
