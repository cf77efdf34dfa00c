import {
  MAX_KEYS_PER_BATCH,
  type KeyAddResult,
  type KeyFilter,
  type KeyImportFormat,
  type KeyListInput,
  type KeyPage,
  type KeyTransitionEntry,
  type UpstreamKey,
} from '../../shared/contract/keys'
import type { KeyState } from '../../shared/key-state'
import type { Clock } from '../clock'
import { AppError, conflict, notFound } from '../errors'
import type { EventBus } from '../events/event-bus'
import { keysToCsv, keysToJson } from '../keys/format-key-export'
import type { ParsedKeys } from '../keys/key-entry'
import { maskParts } from '../keys/key-token'
import { parseKeyImport } from '../keys/parse-key-import'
import { parseKeyLines } from '../keys/parse-key-lines'
import type { PoolKey } from '../pool/pool-key'
import type { KeyCipher } from '../secrets/key-cipher'
import type { ParallelSealer } from '../secrets/parallel-sealer'
import type { KeyRepository, KeyUsageDelta } from '../store/key-repository'
import type { KeyTransitionRepository } from '../store/key-transition-repository'
import {
  CHANGED_IDS_LIMIT,
  type KeyStateService,
  type RecordedTransition,
  type TransitionDetails,
} from './key-state-service'
import type { ProviderService } from './provider-service'

export interface KeyServiceDependencies {
  keys: KeyRepository
  history: KeyTransitionRepository
  states: KeyStateService
  providers: ProviderService
  cipher: KeyCipher
  sealer: ParallelSealer
  events: EventBus
  clock: Clock
  /** Called after keys were added (the answer is not held up by it): validation on add. */
  onAdded?: (ids: readonly number[]) => void
}

/** Keys per sealed chunk: small enough that inserting starts early, large enough to be cheap. */
const SEAL_CHUNK = 5_000

const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'

/** A key's plaintext secret and the provider it belongs to. */
export interface KeyCredential {
  providerId: number
  secret: string
}

/**
 * Upstream keys as the user manages them: add (text, files), list, export, edit, delete and
 * enable/disable. Secrets are encrypted on the way in and only ever leave through `readSecret`
 * (for the proxy) and `readCredential` (for validation); every listing is masked. State
 * changes go through `KeyStateService`.
 */
export class KeyService {
  private readonly keys: KeyRepository
  private readonly states: KeyStateService

  constructor(private readonly deps: KeyServiceDependencies) {
    this.keys = deps.keys
    this.states = deps.states
  }

  list(input: KeyListInput): KeyPage {
    const filter: KeyFilter = { status: input.status, providerId: input.providerId, q: input.q }
    const offset = (input.page - 1) * input.pageSize
    const { items, total } = this.keys.list(filter, input.sort, input.order, input.pageSize, offset)
    return { items, total, page: input.page, pageSize: input.pageSize }
  }

  get(id: number): UpstreamKey {
    const key = this.keys.get(id)
    if (!key) throw notFound('Key', id)
    return key
  }

  bulkAdd(input: { keys: string; providerId?: number }): KeyAddResult {
    return this.add(parseKeyLines(input.keys), input.providerId)
  }

  import(input: { format: KeyImportFormat; content: string; providerId?: number }): KeyAddResult {
    return this.add(parseKeyImport(input.format, input.content), input.providerId)
  }

  export(input: KeyFilter & { format: 'json' | 'csv' }) {
    const filter: KeyFilter = { status: input.status, providerId: input.providerId, q: input.q }
    const keys = this.keys.all(filter)
    const day = new Date(this.deps.clock.now()).toISOString().slice(0, 10)
    return {
      format: input.format,
      filename: `keypool-keys-${day}.${input.format}`,
      count: keys.length,
      content: input.format === 'csv' ? keysToCsv(keys) : keysToJson(keys),
    }
  }

  update(input: { id: number; label?: string; weight?: number; providerId?: number }) {
    const existing = this.get(input.id)
    if (input.providerId !== undefined) this.deps.providers.get(input.providerId)
    let updated: UpstreamKey | undefined
    try {
      updated = this.keys.update(
        input.id,
        {
          label: input.label ?? existing.label,
          weight: input.weight ?? existing.weight,
          providerId: input.providerId ?? existing.providerId,
        },
        this.deps.clock.now(),
      )
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('That provider already has this key')
      throw error
    }
    if (!updated) throw notFound('Key', input.id)
    this.changed([input.id])
    return updated
  }

  delete(id: number): { deleted: number } {
    const deleted = this.keys.remove(id)
    if (deleted === 0) throw notFound('Key', id)
    this.changed([id])
    return { deleted }
  }

  deleteMany(ids: readonly number[]): { deleted: number } {
    const deleted = this.keys.removeMany(ids)
    if (deleted.length > 0) this.changed(deleted)
    return { deleted: deleted.length }
  }

  setStatus(id: number, status: 'active' | 'disabled'): UpstreamKey {
    const key = this.keys.status(id)
    if (!key) throw notFound('Key', id)
    this.states.applyUserAction([key], status === 'active' ? 'enable' : 'disable')
    return this.get(id)
  }

  setStatusMany(ids: readonly number[], status: 'active' | 'disabled'): { changed: number } {
    const keys = this.keys.statuses(ids)
    const action = status === 'active' ? 'enable' : 'disable'
    return { changed: this.states.applyUserAction(keys, action).length }
  }

  /** "Reset all invalid keys to active" (seed feature): invalid and exhausted keys. */
  resetInvalid(input: { providerId?: number }): { count: number } {
    if (input.providerId !== undefined) this.deps.providers.get(input.providerId)
    const dead = this.keys
      .inStates(['invalid', 'exhausted'])
      .filter((key) => input.providerId === undefined || key.providerId === input.providerId)
    return { count: this.states.applyUserAction(dead, 'reset').length }
  }

  transitions(id: number, limit: number): KeyTransitionEntry[] {
    this.get(id)
    return this.deps.history.recent(id, limit)
  }

  /** See `KeyStateService.transition`: the one way a key changes state. */
  transition(id: number, to: KeyState, details: TransitionDetails): RecordedTransition | undefined {
    return this.states.transition(id, to, details)
  }

  /** Routing data (no secrets) for the in-memory pool: every key, or the ones named. */
  routingKeys(ids?: readonly number[]): PoolKey[] {
    return this.keys.routing(ids)
  }

  /**
   * The secret of one key, for the proxy (which caches it in memory). Undefined when the key
   * does not exist; throws `KeyDecryptError` when its stored ciphertext was altered.
   */
  readSecret(id: number): string | undefined {
    return this.readCredential(id)?.secret
  }

  /**
   * A key's secret and its provider in one read (what a validation check needs to call the
   * key's upstream). Undefined and throws as `readSecret`.
   */
  readCredential(id: number): KeyCredential | undefined {
    const stored = this.keys.sealed(id)
    if (!stored) return undefined
    const secret = this.deps.cipher.decrypt(id, stored.sealed, stored.fingerprint)
    return { providerId: stored.provider_id, secret }
  }

  /** Writes a batch of usage counters; no event, the stats have their own. */
  recordUsage(deltas: readonly KeyUsageDelta[]): void {
    if (deltas.length > 0) this.keys.recordUsage(deltas, this.deps.clock.now())
  }

  /** Stores a key's capability map (from validation); null = unknown. */
  setModels(id: number, models: readonly string[] | null): void {
    if (this.keys.setModels(id, models, this.deps.clock.now())) this.changed([id])
  }

  /**
   * Adds parsed keys in one transaction with one prepared `INSERT … ON CONFLICT DO NOTHING`:
   * duplicates in the batch are dropped first, the store's are skipped by the fingerprint's
   * unique index. Large batches are sealed on worker threads while earlier chunks are inserted.
   */
  private add(parsed: ParsedKeys, requestedProviderId?: number): KeyAddResult {
    if (parsed.entries.length > MAX_KEYS_PER_BATCH) {
      throw new AppError(
        'invalid_input',
        `At most ${MAX_KEYS_PER_BATCH} keys can be added at once; split the list`,
      )
    }
    const providerId = this.resolveProvider(requestedProviderId)
    const seen = new Set<string>()
    const unique = parsed.entries.filter(
      (entry) => !seen.has(entry.secret) && seen.add(entry.secret),
    )
    const now = this.deps.clock.now()
    const ids: number[] = []
    this.keys.transaction(() => {
      const secrets = unique.map((entry) => entry.secret)
      this.deps.sealer.sealInChunks(secrets, SEAL_CHUNK, (start, sealed) => {
        sealed.forEach((key, offset) => {
          const entry = unique[start + offset]!
          const { prefix, last4 } = maskParts(entry.secret)
          const id = this.keys.insert(
            {
              providerId,
              label: entry.label,
              sealed: key.sealed,
              fingerprint: key.fingerprint,
              prefix,
              last4,
              weight: entry.weight ?? 1,
            },
            now,
          )
          if (id !== undefined) ids.push(id)
        })
      })
    })
    if (ids.length > 0) {
      this.changed(ids)
      this.deps.onAdded?.(ids)
    }
    return {
      added: ids.length,
      duplicates: parsed.entries.length - ids.length,
      malformed: parsed.malformed,
    }
  }

  private resolveProvider(providerId: number | undefined): number {
    if (providerId !== undefined) return this.deps.providers.get(providerId).id
    const fallback = this.deps.providers.list()[0]
    if (!fallback) throw new AppError('conflict', 'Add a provider before adding keys')
    return fallback.id
  }

  private changed(ids: readonly number[]): void {
    this.deps.events.emit('keys.changed', ids.length <= CHANGED_IDS_LIMIT ? { ids: [...ids] } : {})
  }
}
