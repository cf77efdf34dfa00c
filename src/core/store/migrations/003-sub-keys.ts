import type { Migration } from '../migration'

export const subKeysMigration: Migration = {
  version: 3,
  name: 'sub-keys',
  up(db) {
    db.exec(`
      CREATE TABLE sub_keys (
        id                INTEGER PRIMARY KEY,
        name              TEXT NOT NULL,
        -- SHA-256 of the secret; the secret itself is never stored.
        secret_hash       TEXT NOT NULL UNIQUE,
        prefix            TEXT NOT NULL,
        last4             TEXT NOT NULL,
        provider_id       INTEGER REFERENCES providers (id) ON DELETE SET NULL,
        enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        note              TEXT NOT NULL DEFAULT '',
        expires_at        INTEGER,
        max_requests      INTEGER,
        -- Decremented atomically before a request is forwarded; NULL = unlimited.
        remaining         INTEGER CHECK (remaining IS NULL OR remaining >= 0),
        token_budget      INTEGER,
        tokens_used       INTEGER NOT NULL DEFAULT 0,
        rpm               INTEGER,
        allow_models_json TEXT NOT NULL DEFAULT '[]',
        deny_models_json  TEXT NOT NULL DEFAULT '[]',
        requests          INTEGER NOT NULL DEFAULT 0,
        last_used_at      INTEGER,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL
      ) STRICT;
    `)
  },
}
