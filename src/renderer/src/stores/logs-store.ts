import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type { RequestLogEntry, RequestOutcome } from '../../../shared/contract'
import type { ApiError } from '../../../shared/errors'
import { api } from '../api'
import { toApiError } from '../utils/api-error'

/** One request-log row, as the contract gives it. */
export type LogRow = RequestLogEntry

/** A page of the request log (`logs.list`), newest first, with the filters of the Logs page. */
export const useLogsStore = defineStore('logs', () => {
  const items = ref<LogRow[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref<ApiError>()
  const query = reactive({
    page: 1,
    pageSize: 50,
    outcome: null as RequestOutcome | null,
    model: '',
    /** Set from the address (a key's or a sub-key's "Its requests"). */
    keyId: null as number | null,
    subKeyId: null as number | null,
  })

  async function load(): Promise<void> {
    loading.value = true
    try {
      const page = await api.call('logs.list', {
        page: query.page,
        pageSize: query.pageSize,
        ...(query.outcome && { outcome: query.outcome }),
        ...(query.model.trim() && { model: query.model.trim() }),
        ...(query.keyId !== null && { keyId: query.keyId }),
        ...(query.subKeyId !== null && { subKeyId: query.subKeyId }),
      })
      items.value = page.items
      total.value = page.total
      error.value = undefined
    } catch (caught) {
      error.value = toApiError(caught)
    } finally {
      loading.value = false
    }
  }

  return { items, total, loading, error, query, load }
})
