import { z } from 'zod'
import { backupEntrySchema } from './backups'
import { isoDateTimeSchema } from './common'
import { keyStateSchema } from './keys'
import { providerSchema } from './providers'
import { settingsSchema } from './settings'
import { keyStateCountsSchema, statsSummarySchema } from './stats'
import { validationProgressSchema } from './validation'

/**
 * Events pushed from the core to the UI, over IPC (desktop) or server-sent events (headless).
 * Declared here, beside the operations, so both transports and the UI agree on their shapes.
 */
export const events = {
  'settings.changed': settingsSchema,
  'providers.changed': z.array(providerSchema),
  /**
   * Keys were added, edited, deleted or changed state. `ids` names them; without `ids` anything
   * may have changed (a large batch, a provider deleted with its keys): reload.
   */
  'keys.changed': z.object({ ids: z.array(z.number().int()).optional() }),
  /** Sub-keys were issued, edited or deleted. */
  'subKeys.changed': z.object({ ids: z.array(z.number().int()) }),
  /** One recorded state transition (batches of many report only `keys.changed`). */
  'key.stateChanged': z.object({
    id: z.number().int(),
    providerId: z.number().int(),
    from: keyStateSchema,
    to: keyStateSchema,
    reason: z.string(),
    cooldownUntil: isoDateTimeSchema.nullable(),
  }),
  /** A validation run's progress: at most ~4 per second, and always a last one with `finished`. */
  'validation.progress': validationProgressSchema,
  /** The statistics summary, at most about once a second and only when a figure changed. */
  'stats.changed': statsSummarySchema,
  /** Keys per state after a state change, coalesced like `stats.changed`. */
  'pool.health': z.object({ keys: keyStateCountsSchema, usableKeys: z.number().int() }),
  /** A backup was made, deleted or pruned: every backup now, newest first. */
  'backups.changed': z.array(backupEntrySchema),
}

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<N extends EventName> = z.output<Events[N]>

export const eventNames = Object.keys(events) as EventName[]

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name)
}
