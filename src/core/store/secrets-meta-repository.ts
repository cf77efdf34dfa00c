import type { Database, Statement } from 'better-sqlite3'
import type { KeyWrapperBackend } from '../secrets/key-wrapper'

export interface WrappedDataKey {
  backend: KeyWrapperBackend
  wrapped: Buffer
}

interface SecretsMetaRow {
  backend: KeyWrapperBackend
  wrapped_key: Buffer
}

/** The one row holding the wrapped data key and the backend that wrapped it. */
export class SecretsMetaRepository {
  private readonly select: Statement<[], SecretsMetaRow>
  private readonly insert: Statement<[string, Buffer, number, number]>

  constructor(db: Database) {
    this.select = db.prepare('SELECT backend, wrapped_key FROM secrets_meta WHERE id = 1')
    this.insert = db.prepare(
      `INSERT INTO secrets_meta (id, backend, wrapped_key, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?)`,
    )
  }

  read(): WrappedDataKey | undefined {
    const row = this.select.get()
    return row && { backend: row.backend, wrapped: row.wrapped_key }
  }

  write(key: WrappedDataKey, now: number): void {
    this.insert.run(key.backend, key.wrapped, now, now)
  }
}
