import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defaultSettings } from '../../../src/shared/contract'

const listeners = new Map<string, (payload: unknown) => void>()
const call = vi.fn()

vi.mock('../../../src/renderer/src/api', async () => {
  const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')
  return {
    ApiRequestError,
    api: {
      transport: 'ipc',
      call: (...args: unknown[]) => call(...args),
      on: (event: string, listener: (payload: unknown) => void) => {
        listeners.set(event, listener)
        return () => listeners.delete(event)
      },
    },
  }
})

const { useSettingsStore } = await import('../../../src/renderer/src/stores/settings-store')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')

describe('the settings store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    listeners.clear()
  })

  it('loads settings and follows settings.changed events', async () => {
    call.mockResolvedValue(defaultSettings)
    const store = useSettingsStore()
    await store.load()
    expect(call).toHaveBeenCalledWith('settings.get')
    expect(store.settings?.routing.strategy).toBe('round-robin')
    listeners.get('settings.changed')!({
      ...defaultSettings,
      routing: { ...defaultSettings.routing, strategy: 'headroom' },
    })
    expect(store.settings?.routing.strategy).toBe('headroom')
  })

  it('keeps the error code when loading fails', async () => {
    call.mockRejectedValue(new ApiRequestError({ code: 'unauthorized', message: 'x' }))
    const store = useSettingsStore()
    await store.load()
    expect(store.error).toEqual({ code: 'unauthorized', message: 'x' })
    expect(store.settings).toBeUndefined()
  })
})
