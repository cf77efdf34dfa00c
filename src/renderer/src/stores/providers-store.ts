import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Provider } from '../../../shared/contract'
import { api } from '../api'

type ProviderDraft = { name: string; baseUrl: string; enabled: boolean }

/** Providers, kept current by `providers.changed`. */
export const useProvidersStore = defineStore('providers', () => {
  const providers = ref<Provider[]>([])
  const loaded = ref(false)
  let unsubscribe: (() => void) | undefined

  const byId = computed(() => new Map(providers.value.map((provider) => [provider.id, provider])))

  async function load(): Promise<void> {
    unsubscribe ??= api.on('providers.changed', (next) => {
      providers.value = next
    })
    providers.value = await api.call('providers.list')
    loaded.value = true
  }

  async function create(draft: ProviderDraft): Promise<Provider> {
    const created = await api.call('providers.create', draft)
    await load()
    return created
  }

  async function update(id: number, draft: Partial<ProviderDraft>): Promise<void> {
    await api.call('providers.update', { id, ...draft })
    await load()
  }

  async function remove(id: number): Promise<void> {
    await api.call('providers.delete', { id })
    await load()
  }

  return { providers, loaded, byId, load, create, update, remove }
})
