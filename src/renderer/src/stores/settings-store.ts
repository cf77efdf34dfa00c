import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Settings, SettingsPatch } from '../../../shared/contract'
import type { ApiError } from '../../../shared/errors'
import { api, ApiRequestError } from '../api'

/** Settings as the UI sees them; kept current by the `settings.changed` event. */
export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings>()
  const error = ref<ApiError>()
  const loading = ref(false)
  let unsubscribe: (() => void) | undefined

  async function load(): Promise<void> {
    loading.value = true
    unsubscribe ??= api.on('settings.changed', (next) => {
      settings.value = next
    })
    try {
      settings.value = await api.call('settings.get')
      error.value = undefined
    } catch (caught) {
      error.value = toApiError(caught)
    } finally {
      loading.value = false
    }
  }

  async function update(patch: SettingsPatch): Promise<void> {
    settings.value = await api.call('settings.update', patch)
  }

  return { settings, error, loading, load, update }
})

function toApiError(caught: unknown): ApiError {
  return caught instanceof ApiRequestError
    ? caught.error
    : { code: 'internal_error', message: String(caught) }
}
