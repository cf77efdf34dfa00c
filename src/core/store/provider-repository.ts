import type { Database, Statement } from 'better-sqlite3'
import type { Provider } from '../../shared/contract'

interface ProviderRow {
  id: number
  name: string
  base_url: string
  enabled: number
}

const toProvider = (row: ProviderRow): Provider => ({
  id: row.id,
  name: row.name,
  baseUrl: row.base_url,
  enabled: row.enabled === 1,
})

export interface ProviderInsert {
  name: string
  baseUrl: string
  enabled: boolean
}

/** Providers table access; maps snake_case columns to the contract's camelCase fields. */
export class ProviderRepository {
  private readonly statements: {
    list: Statement<[], ProviderRow>
    get: Statement<[number], ProviderRow>
    getByName: Statement<[string], ProviderRow>
    insert: Statement<[string, string, number, number, number], ProviderRow>
    update: Statement<[string, string, number, number, number], ProviderRow>
    remove: Statement<[number]>
    count: Statement<[], { n: number }>
  }

  constructor(db: Database) {
    const columns = 'id, name, base_url, enabled'
    this.statements = {
      list: db.prepare(`SELECT ${columns} FROM providers ORDER BY id`),
      get: db.prepare(`SELECT ${columns} FROM providers WHERE id = ?`),
      getByName: db.prepare(`SELECT ${columns} FROM providers WHERE name = ?`),
      insert: db.prepare(
        `INSERT INTO providers (name, base_url, enabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?) RETURNING ${columns}`,
      ),
      update: db.prepare(
        `UPDATE providers SET name = ?, base_url = ?, enabled = ?, updated_at = ?
         WHERE id = ? RETURNING ${columns}`,
      ),
      remove: db.prepare('DELETE FROM providers WHERE id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM providers'),
    }
  }

  list(): Provider[] {
    return this.statements.list.all().map(toProvider)
  }

  get(id: number): Provider | undefined {
    const row = this.statements.get.get(id)
    return row && toProvider(row)
  }

  findByName(name: string): Provider | undefined {
    const row = this.statements.getByName.get(name)
    return row && toProvider(row)
  }

  insert(provider: ProviderInsert, now: number): Provider {
    const row = this.statements.insert.get(
      provider.name,
      provider.baseUrl,
      provider.enabled ? 1 : 0,
      now,
      now,
    )
    if (!row) throw new Error('INSERT … RETURNING gave no row')
    return toProvider(row)
  }

  update(provider: Provider, now: number): Provider | undefined {
    const row = this.statements.update.get(
      provider.name,
      provider.baseUrl,
      provider.enabled ? 1 : 0,
      now,
      provider.id,
    )
    return row && toProvider(row)
  }

  remove(id: number): number {
    return this.statements.remove.run(id).changes
  }

  count(): number {
    return this.statements.count.get()?.n ?? 0
  }
}
