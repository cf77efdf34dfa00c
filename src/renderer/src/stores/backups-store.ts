import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { BackupEntry, BackupRestoreResult } from '../../../shared/contract'
import { api } from '../api'

/** The backups in the data folder, newest first; kept current by `backups.changed`. */
export const useBackupsStore = defineStore('backups', () => {
  const backups = ref<BackupEntry[]>([])
  const loaded = ref(false)
  /** A backup is being written (from this window). */
  const creating = ref(false)
  /** The backup being restored, while it is. */
  const restoring = ref<string>()
  let unsubscribe: (() => void) | undefined

  async function load(): Promise<void> {
    unsubscribe ??= api.on('backups.changed', (next) => {
      backups.value = next
    })
    backups.value = await api.call('backups.list')
    loaded.value = true
  }

  async function create(): Promise<BackupEntry> {
    creating.value = true
    try {
      const entry = await api.call('backups.create')
      await load()
      return entry
    } finally {
      creating.value = false
    }
  }

  async function restore(name: string): Promise<BackupRestoreResult> {
    restoring.value = name
    try {
      const result = await api.call('backups.restore', { name })
      await load()
      return result
    } finally {
      restoring.value = undefined
    }
  }

  async function remove(name: string): Promise<void> {
    await api.call('backups.delete', { name })
    await load()
  }

  return { backups, loaded, creating, restoring, load, create, restore, remove }
})
