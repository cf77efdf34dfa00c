import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type { KeyAddResult, KeyImportFormat, KeySort, UpstreamKey } from '../../../shared/contract'
import type { KeyState } from '../../../shared/key-state'
import type { ApiError } from '../../../shared/errors'
import { api } from '../api'
import { toApiError } from '../utils/api-error'
import { debounce } from '../utils/debounce'

export interface KeyQuery {
  page: number
  pageSize: number
  status: KeyState | null
  providerId: number | null
  q: string
  sort: KeySort
  order: 'asc' | 'desc'
}

/**
 * One page of upstream keys at a time: the server filters, sorts and pages, so 100,000 keys never
 * sit in memory. Reloads (debounced) when `keys.changed` says something changed.
 */
export const useKeysStore = defineStore('keys', () => {
  const query = reactive<KeyQuery>({
    page: 1,
    pageSize: 20,
    status: null,
    providerId: null,
    q: '',
    sort: 'createdAt',
    order: 'desc',
  })
  const items = ref<UpstreamKey[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref<ApiError>()
  const selected = ref<number[]>([])
  let subscribed = false
  let generation = 0

  const reloadSoon = debounce(() => void load(), 500)

  function filterInput() {
    return {
      ...(query.status && { status: query.status }),
      ...(query.providerId && { providerId: query.providerId }),
      ...(query.q.trim() && { q: query.q.trim() }),
    }
  }

  async function load(): Promise<void> {
    if (!subscribed) {
      subscribed = true
      api.on('keys.changed', reloadSoon)
      api.on('key.stateChanged', reloadSoon)
    }
    const mine = ++generation
    loading.value = true
    try {
      const page = await api.call('keys.list', {
        page: query.page,
        pageSize: query.pageSize,
        sort: query.sort,
        order: query.order,
        ...filterInput(),
      })
      if (mine !== generation) return
      items.value = page.items
      total.value = page.total
      error.value = undefined
      const visible = new Set(page.items.map((key) => key.id))
      selected.value = selected.value.filter((id) => visible.has(id))
      if (page.items.length === 0 && query.page > 1 && page.total > 0) {
        query.page = Math.max(1, Math.ceil(page.total / query.pageSize))
        await load()
      }
    } catch (caught) {
      if (mine === generation) error.value = toApiError(caught)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** Changes filters or paging; any filter change goes back to page 1. */
  async function setQuery(patch: Partial<KeyQuery>): Promise<void> {
    const filterChanged = Object.keys(patch).some((name) => name !== 'page')
    Object.assign(query, patch)
    if (filterChanged && patch.page === undefined) query.page = 1
    await load()
  }

  async function bulkAdd(text: string, providerId?: number): Promise<KeyAddResult> {
    const result = await api.call(
      'keys.bulkAdd',
      providerId ? { keys: text, providerId } : { keys: text },
    )
    await load()
    return result
  }

  async function importFile(
    format: KeyImportFormat,
    content: string,
    providerId?: number,
  ): Promise<KeyAddResult> {
    const result = await api.call(
      'keys.import',
      providerId ? { format, content, providerId } : { format, content },
    )
    await load()
    return result
  }

  async function setStatus(ids: number[], status: 'active' | 'disabled'): Promise<number> {
    const { changed } = await api.call('keys.setStatusMany', { ids, status })
    await load()
    return changed
  }

  async function remove(ids: number[]): Promise<number> {
    const { deleted } = await api.call('keys.deleteMany', { ids })
    selected.value = selected.value.filter((id) => !ids.includes(id))
    await load()
    return deleted
  }

  async function resetInvalid(): Promise<number> {
    const { count } = await api.call('keys.resetInvalid', {})
    await load()
    return count
  }

  async function exportKeys(format: 'json' | 'csv') {
    return api.call('keys.export', { format, ...filterInput() })
  }

  return {
    query,
    items,
    total,
    loading,
    error,
    selected,
    load,
    setQuery,
    bulkAdd,
    importFile,
    setStatus,
    remove,
    resetInvalid,
    exportKeys,
  }
})
