import { z } from 'zod'
import { providerSchema } from './providers'
import { settingsSchema } from './settings'

/**
 * Events pushed from the core to the UI, over IPC (desktop) or server-sent events (headless).
 * Declared here, beside the operations, so both transports and the UI agree on their shapes.
 */
export const events = {
  'settings.changed': settingsSchema,
  'providers.changed': z.array(providerSchema),
}

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<N extends EventName> = z.output<Events[N]>

export const eventNames = Object.keys(events) as EventName[]

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name)
}
