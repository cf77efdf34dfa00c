import type { Database, Statement } from 'better-sqlite3'

/** A sub-key row in camelCase, times in epoch milliseconds. */
export interface SubKeyRecord {
  id: number
  name: string
  secretHash: string
  prefix: string
  last4: string
  providerId: number | null
  enabled: boolean
  note: string
  expiresAt: number | null
  maxRequests: number | null
  remaining: number | null
  tokenBudget: number | null
  tokensUsed: number
  rpm: number | null
  allowModels: string[]
  denyModels: string[]
  requests: number
  lastUsedAt: number | null
  createdAt: number
}

interface SubKeyRow {
  id: number
  name: string
  secret_hash: string
  prefix: string
  last4: string
  provider_id: number | null
  enabled: number
  note: string
  expires_at: number | null
  max_requests: number | null
  remaining: number | null
  token_budget: number | null
  tokens_used: number
  rpm: number | null
  allow_models_json: string
  deny_models_json: string
  requests: number
  last_used_at: number | null
  created_at: number
}

const toRecord = (row: SubKeyRow): SubKeyRecord => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  prefix: row.prefix,
  last4: row.last4,
  providerId: row.provider_id,
  enabled: row.enabled === 1,
  note: row.note,
  expiresAt: row.expires_at,
  maxRequests: row.max_requests,
  remaining: row.remaining,
  tokenBudget: row.token_budget,
  tokensUsed: row.tokens_used,
  rpm: row.rpm,
  allowModels: JSON.parse(row.allow_models_json) as string[],
  denyModels: JSON.parse(row.deny_models_json) as string[],
  requests: row.requests,
  lastUsedAt: row.last_used_at,
  createdAt: row.created_at,
})

export type SubKeyWrite = Omit<SubKeyRecord, 'id' | 'tokensUsed' | 'requests' | 'lastUsedAt'>

/** Sub-keys table access. The reservation statements are the proxy's only hot-path writes. */
export class SubKeyRepository {
  private readonly s: {
    list: Statement<[], SubKeyRow>
    get: Statement<[number], SubKeyRow>
    insert: Statement<Record<string, unknown>, SubKeyRow>
    update: Statement<Record<string, unknown>, SubKeyRow>
    setSecret: Statement<[string, string, string, number, number], SubKeyRow>
    remove: Statement<[number]>
    reserve: Statement<[number], { remaining: number }>
    refund: Statement<[number], { remaining: number }>
    addUsage: Statement<[number, number, number, number]>
  }

  constructor(db: Database) {
    const columns = `id, name, secret_hash, prefix, last4, provider_id, enabled, note, expires_at,
      max_requests, remaining, token_budget, tokens_used, rpm, allow_models_json,
      deny_models_json, requests, last_used_at, created_at`
    const fields = `name = @name, secret_hash = @secretHash, prefix = @prefix, last4 = @last4,
      provider_id = @providerId, enabled = @enabled, note = @note, expires_at = @expiresAt,
      max_requests = @maxRequests, remaining = @remaining, token_budget = @tokenBudget,
      rpm = @rpm, allow_models_json = @allowModels, deny_models_json = @denyModels,
      updated_at = @now`
    this.s = {
      list: db.prepare(`SELECT ${columns} FROM sub_keys ORDER BY id`),
      get: db.prepare(`SELECT ${columns} FROM sub_keys WHERE id = ?`),
      insert: db.prepare(
        `INSERT INTO sub_keys (name, secret_hash, prefix, last4, provider_id, enabled, note,
           expires_at, max_requests, remaining, token_budget, rpm, allow_models_json,
           deny_models_json, created_at, updated_at)
         VALUES (@name, @secretHash, @prefix, @last4, @providerId, @enabled, @note, @expiresAt,
           @maxRequests, @remaining, @tokenBudget, @rpm, @allowModels, @denyModels, @now, @now)
         RETURNING ${columns}`,
      ),
      update: db.prepare(`UPDATE sub_keys SET ${fields} WHERE id = @id RETURNING ${columns}`),
      setSecret: db.prepare(
        `UPDATE sub_keys SET secret_hash = ?, prefix = ?, last4 = ?, updated_at = ?
         WHERE id = ? RETURNING ${columns}`,
      ),
      remove: db.prepare('DELETE FROM sub_keys WHERE id = ?'),
      // D4: one statement decides; concurrent callers can never take the count below zero.
      reserve: db.prepare(
        `UPDATE sub_keys SET remaining = remaining - 1
         WHERE id = ? AND remaining > 0 RETURNING remaining`,
      ),
      refund: db.prepare(
        `UPDATE sub_keys SET remaining = min(remaining + 1, max_requests)
         WHERE id = ? AND remaining IS NOT NULL RETURNING remaining`,
      ),
      addUsage: db.prepare(
        `UPDATE sub_keys SET requests = requests + ?, tokens_used = tokens_used + ?,
           last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?`,
      ),
    }
  }

  list(): SubKeyRecord[] {
    return this.s.list.all().map(toRecord)
  }

  get(id: number): SubKeyRecord | undefined {
    const row = this.s.get.get(id)
    return row && toRecord(row)
  }

  insert(write: SubKeyWrite, now: number): SubKeyRecord {
    return toRecord(this.s.insert.get(bind(write, now))!)
  }

  update(id: number, write: SubKeyWrite, now: number): SubKeyRecord | undefined {
    const row = this.s.update.get({ ...bind(write, now), id })
    return row && toRecord(row)
  }

  setSecret(
    id: number,
    secret: { hash: string; prefix: string; last4: string },
    now: number,
  ): SubKeyRecord | undefined {
    const row = this.s.setSecret.get(secret.hash, secret.prefix, secret.last4, now, id)
    return row && toRecord(row)
  }

  remove(id: number): number {
    return this.s.remove.run(id).changes
  }

  /** Takes one request; the new remaining count, or undefined when none was left. */
  reserve(id: number): number | undefined {
    return this.s.reserve.get(id)?.remaining
  }

  refund(id: number): number | undefined {
    return this.s.refund.get(id)?.remaining
  }

  addUsage(id: number, requests: number, tokens: number, lastUsedAt: number): void {
    this.s.addUsage.run(requests, tokens, lastUsedAt, id)
  }
}

function bind(write: SubKeyWrite, now: number): Record<string, unknown> {
  return {
    ...write,
    enabled: write.enabled ? 1 : 0,
    allowModels: JSON.stringify(write.allowModels),
    denyModels: JSON.stringify(write.denyModels),
    now,
  }
}
