import { timingSafeEqual } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import { AppError } from '../errors'
import { KeyCipher } from '../secrets/key-cipher'
import type { WrappedDataKey } from '../store/secrets-meta-repository'

interface SealedRow {
  id: number
  sealed: Buffer
  fingerprint: Buffer
}

export interface StagedKeys {
  /** The data key the staged backup's keys are sealed under. */
  backup: Buffer
  /** The data key of this running KeyPool, and how it is stored wrapped. */
  live: Buffer
  liveWrapped: WrappedDataKey
}

/**
 * Opens every upstream key of a staged backup (AES-GCM proves no ciphertext was altered) and,
 * when the backup's data key is not this installation's (a backup of an earlier data folder whose
 * key protection still opens it), re-seals each key under this installation's data key and stores
 * its wrapped key: the running KeyPool keeps one data key for its whole life. Works on the
 * staging copy only; one key that does not open refuses the whole backup.
 */
export function resealUpstreamKeys(
  staging: Database,
  keys: StagedKeys,
  now: number,
): { keys: number; resealed: boolean } {
  const from = new KeyCipher(keys.backup)
  const same = timingSafeEqual(keys.backup, keys.live)
  const to = same ? from : new KeyCipher(keys.live)
  const rows = staging
    .prepare('SELECT id, sealed, fingerprint FROM upstream_keys')
    .all() as SealedRow[]
  const update = staging.prepare(
    'UPDATE upstream_keys SET sealed = ?, fingerprint = ? WHERE id = ?',
  )
  staging.transaction(() => {
    for (const row of rows) {
      let secret: string
      try {
        secret = from.decrypt(row.id, row.sealed, row.fingerprint)
      } catch {
        throw new AppError('backup_invalid', `Upstream key ${row.id} in the backup does not open`)
      }
      if (same) continue
      const fingerprint = to.fingerprint(secret)
      update.run(to.encrypt(secret, fingerprint), fingerprint, row.id)
    }
    if (same) return
    staging
      .prepare('UPDATE secrets_meta SET backend = ?, wrapped_key = ?, updated_at = ? WHERE id = 1')
      .run(keys.liveWrapped.backend, keys.liveWrapped.wrapped, now)
  })()
  return { keys: rows.length, resealed: !same }
}
