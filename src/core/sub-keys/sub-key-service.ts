import type { SubKey, SubKeyCreate, SubKeyUpdate } from '../../shared/contract/sub-keys'
import type { Clock } from '../clock'
import { notFound } from '../errors'
import type { EventBus } from '../events/event-bus'
import type { SubKeyUsageDelta } from '../routing/usage-batch-writer'
import type { SubKeyRecord, SubKeyRepository, SubKeyWrite } from '../store/sub-key-repository'
import { SubKeyDirectory } from './sub-key-directory'
import { generateSubKeySecret, hashSubKey, subKeyDisplay } from './sub-key-secret'
import { subKeyStatus } from './sub-key-status'

export interface IssuedSubKey {
  subKey: SubKey
  /** Shown to the user once; only its hash is kept. */
  secret: string
}

/**
 * Sub-key management: issue, edit, top up, extend, regenerate, delete. Every change is written
 * to the store and mirrored into the in-memory directory the proxy authenticates against, so a
 * regenerated or deleted secret stops working at once.
 */
export class SubKeyService {
  readonly directory = new SubKeyDirectory()

  constructor(
    private readonly repository: SubKeyRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {
    this.directory.load(repository.list())
  }

  /** Re-reads every sub-key into the directory (after a backup restore replaced the store). */
  reload(): void {
    const records = this.repository.list()
    this.directory.load(records)
    this.events.emit('subKeys.changed', { ids: records.map((record) => record.id) })
  }

  list(): SubKey[] {
    const now = this.clock.now()
    return this.repository.list().map((record) => toSubKey(record, now))
  }

  get(id: number): SubKey {
    return toSubKey(this.record(id), this.clock.now())
  }

  create(input: SubKeyCreate): IssuedSubKey {
    const secret = generateSubKeySecret()
    const record = this.repository.insert(
      {
        ...input,
        expiresAt: toMillis(input.expiresAt),
        remaining: input.maxRequests,
        ...secretColumns(secret),
        createdAt: this.clock.now(),
      },
      this.clock.now(),
    )
    this.changed(record)
    return { subKey: toSubKey(record, this.clock.now()), secret }
  }

  update(input: SubKeyUpdate): SubKey {
    const current = this.record(input.id)
    const maxRequests = input.maxRequests === undefined ? current.maxRequests : input.maxRequests
    // A new limit starts a new allowance; an unchanged limit keeps what is left.
    const remaining =
      input.maxRequests === undefined || input.maxRequests === current.maxRequests
        ? current.remaining
        : maxRequests
    return this.write(current, {
      name: input.name ?? current.name,
      expiresAt: input.expiresAt === undefined ? current.expiresAt : toMillis(input.expiresAt),
      maxRequests,
      remaining,
      tokenBudget: input.tokenBudget === undefined ? current.tokenBudget : input.tokenBudget,
      rpm: input.rpm === undefined ? current.rpm : input.rpm,
      allowModels: input.allowModels ?? current.allowModels,
      denyModels: input.denyModels ?? current.denyModels,
      providerId: input.providerId === undefined ? current.providerId : input.providerId,
      enabled: input.enabled ?? current.enabled,
      note: input.note ?? current.note,
    })
  }

  topUp(id: number, requests: number): SubKey {
    const current = this.record(id)
    if (current.maxRequests === null) return toSubKey(current, this.clock.now())
    return this.write(current, {
      maxRequests: current.maxRequests + requests,
      remaining: (current.remaining ?? 0) + requests,
    })
  }

  extend(id: number, seconds: number): SubKey {
    const current = this.record(id)
    if (current.expiresAt === null) return toSubKey(current, this.clock.now())
    const from = Math.max(current.expiresAt, this.clock.now())
    return this.write(current, { expiresAt: from + seconds * 1000 })
  }

  regenerate(id: number): IssuedSubKey {
    this.record(id)
    const secret = generateSubKeySecret()
    const columns = secretColumns(secret)
    const record = this.repository.setSecret(
      id,
      { hash: columns.secretHash, prefix: columns.prefix, last4: columns.last4 },
      this.clock.now(),
    )
    if (!record) throw notFound('Sub-key', id)
    this.changed(record)
    return { subKey: toSubKey(record, this.clock.now()), secret }
  }

  delete(id: number): { deleted: number } {
    this.record(id)
    const deleted = this.repository.remove(id)
    this.directory.remove(id)
    this.events.emit('subKeys.changed', { ids: [id] })
    return { deleted }
  }

  /**
   * Takes one request of a limited sub-key with the store's single atomic statement (SECURITY
   * D4): of many concurrent callers, only as many as were left succeed. The in-memory snapshot
   * follows, so admission refuses an exhausted key without a database read.
   */
  reserve(id: number): boolean {
    const remaining = this.repository.reserve(id)
    const entry = this.directory.get(id)
    if (entry && entry.record.maxRequests !== null) entry.record.remaining = remaining ?? 0
    return remaining !== undefined
  }

  /** Gives back a reserved request that delivered nothing to the client. */
  refund(id: number): void {
    const remaining = this.repository.refund(id)
    const entry = this.directory.get(id)
    if (entry && remaining !== undefined) entry.record.remaining = remaining
  }

  /**
   * Counts a finished request in memory at once (the token budget is enforced at the next
   * admission); the store gets it with the next usage batch.
   */
  noteUsage(id: number, tokens: number, now: number): void {
    const record = this.directory.get(id)?.record
    if (!record) return
    record.requests += 1
    record.tokensUsed += tokens
    record.lastUsedAt = Math.max(record.lastUsedAt ?? 0, now)
  }

  /** Writes a batch of usage counters (inside the batch writer's transaction). */
  recordUsage(deltas: readonly SubKeyUsageDelta[]): void {
    for (const delta of deltas) {
      this.repository.addUsage(delta.id, delta.requests, delta.tokens, delta.lastUsedAt)
    }
  }

  private record(id: number): SubKeyRecord {
    const record = this.repository.get(id)
    if (!record) throw notFound('Sub-key', id)
    return record
  }

  private write(current: SubKeyRecord, changes: Partial<SubKeyWrite>): SubKey {
    const { id: _id, tokensUsed: _t, requests: _r, lastUsedAt: _l, ...base } = current
    const record = this.repository.update(current.id, { ...base, ...changes }, this.clock.now())
    if (!record) throw notFound('Sub-key', current.id)
    this.changed(record)
    return toSubKey(record, this.clock.now())
  }

  private changed(record: SubKeyRecord): void {
    this.directory.upsert(record)
    this.events.emit('subKeys.changed', { ids: [record.id] })
  }
}

function secretColumns(secret: string): { secretHash: string; prefix: string; last4: string } {
  return { secretHash: hashSubKey(secret), ...subKeyDisplay(secret) }
}

function toMillis(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso)
}

const isoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString()

/** The contract's view of a stored sub-key at `now`. */
export function toSubKey(record: SubKeyRecord, now: number): SubKey {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    last4: record.last4,
    status: subKeyStatus(record, now),
    enabled: record.enabled,
    remaining: record.maxRequests === null ? null : record.remaining,
    maxRequests: record.maxRequests,
    expiresAt: isoOrNull(record.expiresAt),
    allowModels: record.allowModels,
    denyModels: record.denyModels,
    providerId: record.providerId,
    rpm: record.rpm,
    tokenBudget: record.tokenBudget,
    tokensUsed: record.tokensUsed,
    requests: record.requests,
    lastUsedAt: isoOrNull(record.lastUsedAt),
    createdAt: new Date(record.createdAt).toISOString(),
    note: record.note,
  }
}
