import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { OperationInput, SubKey } from '../../../shared/contract'
import type { ApiError } from '../../../shared/errors'
import { api } from '../api'
import { toApiError } from '../utils/api-error'
import { debounce } from '../utils/debounce'

export type SubKeyCreateInput = OperationInput<'subKeys.create'>
export type SubKeyUpdateInput = OperationInput<'subKeys.update'>

/** What create and regenerate hand back once: the caller shows the secret and drops it. */
export interface IssuedSubKey {
  subKey: SubKey
  secret: string
}

/**
 * Sub-keys (never their secrets). `create` and `regenerate` return the secret to the caller and
 * keep no copy of it here.
 */
export const useSubKeysStore = defineStore('subKeys', () => {
  const subKeys = ref<SubKey[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<ApiError>()
  const knownModels = ref<string[]>([])
  let subscribed = false

  async function load(): Promise<void> {
    if (!subscribed) {
      subscribed = true
      api.on(
        'subKeys.changed',
        debounce(() => void load(), 300),
      )
    }
    loading.value = true
    try {
      subKeys.value = await api.call('subKeys.list')
      error.value = undefined
      loaded.value = true
    } catch (caught) {
      error.value = toApiError(caught)
    } finally {
      loading.value = false
    }
  }

  /** Models the active keys reported (from the first 500), for the model-policy suggestions. */
  async function loadKnownModels(): Promise<void> {
    const page = await api.call('keys.list', { status: 'active', pageSize: 500 })
    const models = new Set<string>()
    for (const key of page.items) for (const model of key.models ?? []) models.add(model)
    knownModels.value = [...models].sort()
  }

  async function create(input: SubKeyCreateInput): Promise<IssuedSubKey> {
    const issued = await api.call('subKeys.create', input)
    await load()
    return issued
  }

  async function update(input: SubKeyUpdateInput): Promise<void> {
    await api.call('subKeys.update', input)
    await load()
  }

  async function regenerate(id: number): Promise<IssuedSubKey> {
    const issued = await api.call('subKeys.regenerate', { id })
    await load()
    return issued
  }

  async function topUp(id: number, requests: number): Promise<void> {
    await api.call('subKeys.topUp', { id, requests })
    await load()
  }

  async function extend(id: number, seconds: number): Promise<void> {
    await api.call('subKeys.extend', { id, seconds })
    await load()
  }

  async function remove(id: number): Promise<void> {
    await api.call('subKeys.delete', { id })
    await load()
  }

  return {
    subKeys,
    loading,
    loaded,
    error,
    knownModels,
    load,
    loadKnownModels,
    create,
    update,
    regenerate,
    topUp,
    extend,
    remove,
  }
})
