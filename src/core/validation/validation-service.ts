import { randomUUID } from 'node:crypto'
import type { ValidationProgress, ValidationScope } from '../../shared/contract/validation'
import type { KeyState } from '../../shared/key-state'
import type { Clock } from '../clock'
import { AppError } from '../errors'
import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import type { UpstreamOutcome } from '../pool/classify-upstream-response'
import { decideKeyState, outcomeCanMoveKey } from '../pool/key-state-machine'
import { CHANGED_IDS_LIMIT, type KeyStateService } from '../services/key-state-service'
import type { KeyService } from '../services/key-service'
import type { ProviderService } from '../services/provider-service'
import type { SettingsService } from '../services/settings-service'
import type { KeyRepository } from '../store/key-repository'
import { CoalescingEmitter } from './coalescing-emitter'
import { ValidationProbe, type ProbeResult } from './validation-probe'
import { ValidationRun } from './validation-run'
import { validationResult, type ValidationResult } from './validation-tally'

export interface ValidationServiceDependencies {
  keys: Pick<KeyRepository, 'statuses' | 'inStates' | 'setModelsMany'>
  /** The one way to a key's secret (decrypts; throws when the stored ciphertext was altered). */
  secrets: Pick<KeyService, 'readCredential'>
  states: Pick<KeyStateService, 'transition'>
  providers: Pick<ProviderService, 'get' | 'list'>
  settings: Pick<SettingsService, 'get'>
  events: EventBus
  clock: Clock
  logger: Logger
  probe?: ValidationProbe
  /** Minimum time between two progress events of a run. Default 250 ms (≈ 4 per second). */
  progressIntervalMs?: number
}

/** Why a run was started; only logged. */
export type ValidationTrigger = 'request' | 'add' | 'schedule'

export interface ValidationStart {
  runId: string
  total: number
  joined: boolean
}

/** `invalid` = the dead keys; `all` skips `disabled` (only the user revives those). */
const scopeStates: Record<'invalid' | 'all', KeyState[]> = {
  invalid: ['invalid', 'exhausted'],
  all: ['active', 'cooling', 'exhausted', 'invalid'],
}

/**
 * Validation (SPEC §2.3): checks keys against their upstream in the background and applies what
 * it learns through the state machine, as `source: 'validation'` events, so a 401 is `invalid`,
 * a quota 429 `exhausted`, a rate-limit 429 `cooling` and a 5xx or no answer changes nothing.
 * A 200 revives a dead key and stores its model list (the pool's capability map).
 *
 * One run at a time: a request while a run is going joins it (its keys are queued into the
 * running run, already queued ones are not checked twice) and gets the running run's id. So
 * keys added during a long run, or a scheduled re-check, never start a second pool of workers.
 *
 * Validation traffic is never usage: it writes no request/success/token counters and never
 * touches the proxy's in-memory pool except through the state and `keys.changed` events.
 */
export class ValidationService {
  private readonly probe: ValidationProbe
  private current: { run: ValidationRun; emitter: CoalescingEmitter } | undefined
  /** Cancelled runs whose workers are still unwinding; `close()` waits for them too. */
  private readonly winding = new Set<Promise<void>>()
  /** The run started last (running, unwinding or over): what `status()` reports. */
  private latest: ValidationRun | undefined
  /** Model lists answered since the last progress event, written with it in one transaction. */
  private readonly pendingModels = new Map<number, readonly string[]>()
  /**
   * Answers that may move a key, applied with the next progress event (≤ `progressIntervalMs`
   * later), not as each arrives: answers come in bursts, and every one applied on arrival
   * delays the next requests of the checks behind it (issue 8).
   */
  private readonly pendingOutcomes = new Map<number, UpstreamOutcome>()
  private closed = false
  /** Provider id → base URL, rebuilt after `providers.changed`: no provider read per check. */
  private baseUrls: Map<number, string> | null = null
  private readonly unsubscribe: () => void
  private readonly added: number[] = []
  private addedTimer: NodeJS.Immediate | undefined

  constructor(private readonly deps: ValidationServiceDependencies) {
    this.probe = deps.probe ?? new ValidationProbe(() => deps.clock.now())
    this.unsubscribe = deps.events.on('providers.changed', () => (this.baseUrls = null))
  }

  /**
   * Queues the keys of `scope` (optionally of one provider) and answers at once. With nothing to
   * check and no run going, the answer is a run that is already finished (and said so).
   */
  start(
    scope: ValidationScope,
    options: { providerId?: number; trigger?: ValidationTrigger } = {},
  ): ValidationStart {
    if (this.closed) throw new AppError('unavailable', 'KeyPool is shutting down')
    if (options.providerId !== undefined) this.deps.providers.get(options.providerId)
    const ids = this.resolve(scope, options.providerId)
    return this.enqueue(ids, options.trigger ?? 'request')
  }

  /** The scheduled re-check of dead keys; starts nothing (and says nothing) when there are none. */
  recheckDead(): ValidationStart | undefined {
    if (this.closed) return undefined
    const ids = this.resolve('invalid', undefined)
    return ids.length > 0 || this.current ? this.enqueue(ids, 'schedule') : undefined
  }

  /**
   * The on-add hook: validates freshly added keys when `validation.onAdd` is on. The run starts
   * on the next turn of the event loop, after the add has answered; adds in the same turn (an
   * import in chunks) are queued together.
   */
  keysAdded(ids: readonly number[]): void {
    if (this.closed || ids.length === 0 || !this.deps.settings.get().validation.onAdd) return
    for (const id of ids) this.added.push(id)
    this.addedTimer ??= setImmediate(() => {
      this.addedTimer = undefined
      const queued = this.added.splice(0)
      if (!this.closed) this.enqueue(queued, 'add')
    })
  }

  /**
   * Cancels the running run (only if it is `runId`, when given). It stops being the current run
   * at once, so a request right after starts a new run instead of joining one that is unwinding.
   */
  cancel(runId?: string): { cancelled: boolean; runId: string | null } {
    const active = this.current
    if (!active || (runId !== undefined && active.run.id !== runId)) {
      return { cancelled: false, runId: active?.run.id ?? null }
    }
    const { run } = active
    const cancelled = run.cancel()
    if (!run.finished) {
      this.current = undefined
      this.winding.add(run.settled)
      void run.settled.then(() => this.winding.delete(run.settled))
    }
    return { cancelled, runId: run.id }
  }

  /** The progress of the run started last (running or not), or null before the first. */
  status(): ValidationProgress | null {
    return this.latest?.tally.snapshot() ?? null
  }

  /** Resolves once no run is going or unwinding (runs started meanwhile included). */
  async whenIdle(): Promise<void> {
    while (this.current || this.winding.size > 0) {
      await Promise.all([this.current?.run.settled, ...this.winding])
    }
  }

  /** Cancels any run, waits for its workers (no write after this) and closes the connections. */
  async close(): Promise<void> {
    this.closed = true
    this.unsubscribe()
    if (this.addedTimer) clearImmediate(this.addedTimer)
    this.addedTimer = undefined
    this.cancel()
    await this.whenIdle()
    await this.probe.close()
  }

  private resolve(scope: ValidationScope, providerId: number | undefined): number[] {
    const { keys } = this.deps
    const records = Array.isArray(scope) ? keys.statuses(scope) : keys.inStates(scopeStates[scope])
    return records
      .filter((key) => providerId === undefined || key.providerId === providerId)
      .map((key) => key.id)
  }

  private enqueue(ids: readonly number[], trigger: ValidationTrigger): ValidationStart {
    const running = this.current?.run
    if (running) {
      running.add(ids)
      return { runId: running.id, total: running.tally.total, joined: true }
    }
    const active = this.createRun()
    const { run, emitter } = active
    this.current = active
    this.latest = run
    this.deps.logger.info('validation started', { runId: run.id, trigger, keys: ids.length })
    run.add(ids)
    if (!run.finished) emitter.poke()
    return { runId: run.id, total: run.tally.total, joined: false }
  }

  private createRun(): { run: ValidationRun; emitter: CoalescingEmitter } {
    const emitter = new CoalescingEmitter(
      () => this.publish(run),
      this.deps.progressIntervalMs ?? 250,
    )
    const run: ValidationRun = new ValidationRun(randomUUID(), {
      check: (id, signal) => this.check(id, signal),
      concurrency: () => this.deps.settings.get().validation.concurrency,
      progressed: () => emitter.poke(),
      ended: () => this.ended(run, emitter),
    })
    return { run, emitter }
  }

  private ended(run: ValidationRun, emitter: CoalescingEmitter): void {
    if (this.current?.run === run) this.current = undefined
    emitter.final()
    this.deps.logger.info('validation finished', run.tally.snapshot())
  }

  /**
   * States and model lists first (written now, with the event that tells of them), so a listener
   * reacting to the progress event reads fresh keys. A run's last progress event comes before it
   * settles, so a settled run has applied every answer it counted.
   */
  private publish(run: ValidationRun): void {
    try {
      this.applyOutcomes()
      this.storeModels()
    } catch (error) {
      // The store failed (disk full, a broken file): the run goes on and says so; it must not
      // take the process down from a timer.
      this.pendingOutcomes.clear()
      this.pendingModels.clear()
      this.deps.logger.error('validation could not store its answers', {
        runId: run.id,
        error: error instanceof Error ? error.message : String(error),
      })
    }
    this.deps.events.emit('validation.progress', run.tally.snapshot())
  }

  private storeModels(): void {
    if (this.pendingModels.size === 0) return
    const ids = this.deps.keys.setModelsMany(this.pendingModels, this.deps.clock.now())
    this.pendingModels.clear()
    if (ids.length > 0) {
      this.deps.events.emit('keys.changed', ids.length <= CHANGED_IDS_LIMIT ? { ids } : {})
    }
  }

  private async check(id: number, signal: AbortSignal): Promise<ValidationResult | undefined> {
    const { secrets, settings, logger } = this.deps
    let baseUrl: string
    let secret: string
    try {
      const credential = secrets.readCredential(id)
      if (!credential) return 'unknown'
      baseUrl = this.baseUrlOf(credential.providerId)
      secret = credential.secret
    } catch (error) {
      logger.warn('validation skipped a key', {
        keyId: id,
        error: error instanceof Error ? error.name : typeof error,
      })
      return 'unknown'
    }
    const { validation } = settings.get()
    let result: ProbeResult
    try {
      result = await this.probe.check(
        {
          baseUrl,
          secret,
          ...(validation.thorough && { thoroughModel: validation.thoroughModel }),
        },
        signal,
      )
    } catch {
      return undefined
    }
    if (signal.aborted) return undefined
    const { outcome, models } = result
    if (models !== null) this.pendingModels.set(id, models)
    if (outcomeCanMoveKey(outcome.kind)) this.pendingOutcomes.set(id, outcome)
    return validationResult(outcome.kind)
  }

  /** Throws `not_found` (as `providers.get`) for a provider deleted under a queued key. */
  private baseUrlOf(providerId: number): string {
    this.baseUrls ??= new Map(this.deps.providers.list().map((p) => [p.id, p.baseUrl]))
    return this.baseUrls.get(providerId) ?? this.deps.providers.get(providerId).baseUrl
  }

  /**
   * Applies the answers since the last progress event, each decided from its key's state as it
   * is now (traffic may have moved it meanwhile), with one read of those keys.
   */
  private applyOutcomes(): void {
    if (this.pendingOutcomes.size === 0) return
    const { keys, states, clock, settings } = this.deps
    const outcomes = new Map(this.pendingOutcomes)
    this.pendingOutcomes.clear()
    const now = clock.now()
    const { cooldownBaseMs, cooldownMaxMs } = settings.get().routing
    for (const key of keys.statuses([...outcomes.keys()])) {
      const outcome = outcomes.get(key.id) as UpstreamOutcome
      const decision = decideKeyState(
        key,
        { source: 'validation', outcome },
        { now, settings: { cooldownBaseMs, cooldownMaxMs } },
      )
      if (!decision.changed) continue
      states.transition(key.id, decision.to, {
        reason: decision.reason.startsWith('validation')
          ? decision.reason
          : `validation: ${decision.reason}`,
        httpStatus: decision.status,
        message: outcome.detail,
        expectedFrom: decision.from,
        cooldownUntil: decision.cooldownUntil,
        resetFailures: decision.resetsFailures,
      })
    }
  }
}
