import { timingSafeEqual } from 'node:crypto'
import type { SubKeyRecord } from '../store/sub-key-repository'
import { compileModelPolicy, type ModelMatcher } from './model-policy'
import { hashSubKey } from './sub-key-secret'

/** What the proxy knows about a sub-key without touching the database. */
export interface SubKeyEntry {
  record: SubKeyRecord
  models: ModelMatcher
  /** `record.secretHash` (hex) as bytes, for the constant-time comparison. */
  digest: Buffer
}

/**
 * The in-memory map from secret hash to sub-key that the proxy authenticates against: one
 * SHA-256 and one map lookup per request. Kept in step by SubKeyService on every change.
 */
export class SubKeyDirectory {
  private readonly byHash = new Map<string, SubKeyEntry>()
  private readonly hashById = new Map<number, string>()
  /**
   * The secret each connection last authenticated with, and its entry. A keep-alive connection
   * presents the same secret on every request: a string comparison then replaces the SHA-256
   * (~1 µs of a proxied request's CPU). Only a secret that already authenticated on that same
   * connection is ever compared, so the comparison's timing tells its sender nothing new; and
   * any change to the directory (a revoked or edited sub-key) forgets every remembered secret.
   */
  private connections = new WeakMap<object, { secret: string; entry: SubKeyEntry }>()

  load(records: readonly SubKeyRecord[]): void {
    this.forgetConnections()
    this.byHash.clear()
    this.hashById.clear()
    for (const record of records) this.upsert(record)
  }

  upsert(record: SubKeyRecord): void {
    this.forgetConnections()
    const previousHash = this.hashById.get(record.id)
    if (previousHash !== undefined) this.byHash.delete(previousHash)
    this.byHash.set(record.secretHash, {
      record,
      digest: Buffer.from(record.secretHash, 'latin1'),
      models: compileModelPolicy({
        allowModels: record.allowModels,
        denyModels: record.denyModels,
      }),
    })
    this.hashById.set(record.id, record.secretHash)
  }

  remove(id: number): void {
    const hash = this.hashById.get(id)
    if (hash === undefined) return
    this.forgetConnections()
    this.byHash.delete(hash)
    this.hashById.delete(id)
  }

  /**
   * The sub-key a presented secret belongs to, compared in constant time after hashing (S4).
   * `connection` (the request's socket) lets a connection's repeated secret skip the hash.
   */
  authenticate(secret: string, connection?: object): SubKeyEntry | undefined {
    if (connection !== undefined) {
      const known = this.connections.get(connection)
      if (known !== undefined && known.secret === secret) return known.entry
    }
    // One SHA-256 per request: the map is keyed by its hex form, and the match is confirmed on
    // the digests in constant time, so no comparison ever runs over the secret itself. Hex
    // straight from the hash: asking `crypto.hash` for a Buffer costs 1.1 µs against 0.3 µs.
    const digest = hashSubKey(secret)
    const entry = this.byHash.get(digest)
    if (!entry || !timingSafeEqual(Buffer.from(digest, 'latin1'), entry.digest)) return undefined
    if (connection !== undefined) this.connections.set(connection, { secret, entry })
    return entry
  }

  private forgetConnections(): void {
    this.connections = new WeakMap()
  }

  get(id: number): SubKeyEntry | undefined {
    const hash = this.hashById.get(id)
    return hash === undefined ? undefined : this.byHash.get(hash)
  }
}
