import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ValidationProgress, ValidationScope } from '../../../shared/contract'
import { api } from '../api'

/** The running (or last) validation run, live from `validation.progress`. */
export const useValidationStore = defineStore('validation', () => {
  const progress = ref<ValidationProgress | null>(null)
  const running = computed(() => !!progress.value && !progress.value.finished)
  const percent = computed(() => {
    const run = progress.value
    if (!run || run.total === 0) return run?.finished ? 100 : 0
    return Math.min(100, Math.round((run.done / run.total) * 100))
  })
  let unsubscribe: (() => void) | undefined

  async function load(): Promise<void> {
    unsubscribe ??= api.on('validation.progress', (next) => {
      progress.value = next
    })
    progress.value = await api.call('keys.validationStatus')
  }

  async function start(scope: ValidationScope, providerId?: number) {
    const started = await api.call('keys.validate', providerId ? { scope, providerId } : { scope })
    if (progress.value?.runId !== started.runId) {
      progress.value = {
        runId: started.runId,
        total: started.total,
        done: 0,
        active: 0,
        invalid: 0,
        exhausted: 0,
        cooling: 0,
        unknown: 0,
        finished: started.total === 0,
        cancelled: false,
      }
    }
    return started
  }

  async function cancel(): Promise<void> {
    await api.call('keys.validateCancel', progress.value ? { runId: progress.value.runId } : {})
  }

  function dismiss(): void {
    if (progress.value?.finished) progress.value = null
  }

  return { progress, running, percent, load, start, cancel, dismiss }
})
