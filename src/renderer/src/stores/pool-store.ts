import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { KeyState } from '../../../shared/key-state'
import { api } from '../api'
import { debounce } from '../utils/debounce'

export type PoolCounts = Record<KeyState | 'total', number>
export type PoolHealth = 'green' | 'amber' | 'red' | 'grey'

const ZERO: PoolCounts = { active: 0, cooling: 0, exhausted: 0, invalid: 0, disabled: 0, total: 0 }

/** The traffic light of the header and the tray (SPEC §7), from the pool's counts by state. */
export function poolHealth(counts: PoolCounts): PoolHealth {
  if (counts.total === 0) return 'grey'
  if (counts.active === 0) return 'red'
  if (counts.cooling + counts.exhausted + counts.invalid > 0) return 'amber'
  return 'green'
}

/**
 * How many keys are in each state, from `stats.summary` (the server counts them in memory), then
 * from `pool.health` as it is pushed. Refreshed, debounced, when keys change.
 */
export const usePoolStore = defineStore('pool', () => {
  const counts = ref<PoolCounts>({ ...ZERO })
  const loaded = ref(false)
  const health = computed(() => poolHealth(counts.value))
  let subscribed = false

  async function load(): Promise<void> {
    if (!subscribed) {
      subscribed = true
      const refresh = debounce(() => void load().catch(() => undefined), 800)
      api.on('keys.changed', refresh)
      api.on('key.stateChanged', refresh)
      api.on('pool.health', (next) => {
        counts.value = { ...ZERO, ...next.keys }
        loaded.value = true
      })
    }
    const summary = await api.call('stats.summary')
    counts.value = { ...ZERO, ...summary.keys }
    loaded.value = true
  }

  return { counts, loaded, health, load }
})
