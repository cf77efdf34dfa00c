import { vi } from 'vitest'

/** A stand-in for src/renderer/src/api: records calls and lets tests fire events. */
export const listeners = new Map<string, Set<(payload: unknown) => void>>()
export const call = vi.fn()

export function emit(event: string, payload: unknown): void {
  for (const listener of listeners.get(event) ?? []) listener(payload)
}

export async function mockApiModule() {
  const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')
  const { ref } = await import('vue')
  return {
    ApiRequestError,
    adminToken: { get: () => undefined, set: vi.fn(), clear: vi.fn() },
    needsLogin: ref(false),
    api: {
      transport: 'http',
      call: (...args: unknown[]) => call(...args),
      on: (event: string, listener: (payload: unknown) => void) => {
        if (!listeners.has(event)) listeners.set(event, new Set())
        listeners.get(event)!.add(listener)
        return () => listeners.get(event)?.delete(listener)
      },
    },
  }
}
