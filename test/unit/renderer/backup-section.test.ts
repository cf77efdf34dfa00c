import { mount } from '@vue/test-utils'
import { NMessageProvider } from 'naive-ui'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import type { BackupEntry } from '../../../src/shared/contract'
import { call, emit, listeners, mockApiModule } from './mock-api'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())

const { i18n } = await import('../../../src/renderer/src/locales')
const { ApiRequestError } = await import('../../../src/renderer/src/api/api-client')
const { default: BackupSection } =
  await import('../../../src/renderer/src/views/settings/modules/BackupSection.vue')

const scheduled: BackupEntry = {
  name: 'keypool-20261121-120000-000-scheduled.db',
  sizeBytes: 3 * 1024 * 1024,
  createdAt: '2026-11-21T12:00:00.000Z',
  reason: 'scheduled',
}
const manual: BackupEntry = {
  name: 'keypool-20261122-080000-000-manual.db',
  sizeBytes: 2048,
  createdAt: '2026-11-22T08:00:00.000Z',
  reason: 'manual',
}

const flush = async () => {
  for (let i = 0; i < 8; i++) await nextTick()
  await new Promise((resolve) => setTimeout(resolve, 0))
  for (let i = 0; i < 4; i++) await nextTick()
}

const text = () => document.body.textContent ?? ''
const button = (testId: string) =>
  document.querySelector<HTMLButtonElement>(`[data-testid="${testId}"]`)

function mountSection() {
  const Host = defineComponent(() => () => h(NMessageProvider, null, () => h(BackupSection)))
  return mount(Host, { attachTo: document.body, global: { plugins: [i18n] } })
}

/** Answers the api like the core would, from a list it keeps. */
function fakeCore(list: BackupEntry[]) {
  call.mockImplementation(async (operation: string, input?: { name?: string }) => {
    switch (operation) {
      case 'backups.list':
        return [...list]
      case 'backups.create':
        list.unshift({ ...manual, name: 'keypool-20261123-090000-000-manual.db' })
        return list[0]
      case 'backups.restore':
        list.unshift({
          ...manual,
          name: 'keypool-20261123-091500-000-pre-restore.db',
          reason: 'pre-restore',
        })
        return { restoredFrom: input!.name, safetyBackup: list[0]!.name }
      case 'backups.delete':
        list.splice(
          list.findIndex((entry) => entry.name === input!.name),
          1,
        )
        return { deleted: 1 }
    }
    throw new Error(`unexpected ${operation}`)
  })
}

describe('the Backup & restore section of Settings', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    listeners.clear()
    document.body.innerHTML = ''
    i18n.global.locale.value = 'en'
  })

  it('lists backups with time, kind and size, and follows backups.changed', async () => {
    fakeCore([manual, scheduled])
    mountSection()
    await flush()
    expect(call).toHaveBeenCalledWith('backups.list')
    const rows = document.querySelectorAll('[data-testid="backups-table"] tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.textContent).toContain('Manual')
    expect(rows[0]!.textContent).toContain('2.0 KB')
    expect(rows[1]!.textContent).toContain('Scheduled')
    expect(rows[1]!.textContent).toContain('3.0 MB')
    emit('backups.changed', [])
    await flush()
    expect(document.querySelector('[data-testid="backups-empty"]')).not.toBeNull()
    expect(document.querySelectorAll('[data-testid="backups-table"]')).toHaveLength(0)
  })

  it('backs up now', async () => {
    fakeCore([scheduled])
    mountSection()
    await flush()
    button('backup-now')!.click()
    await flush()
    expect(call).toHaveBeenCalledWith('backups.create')
    expect(text()).toContain('keypool-20261123-090000-000-manual.db')
  })

  it('restores only after a confirmation that explains the safety copy', async () => {
    fakeCore([manual, scheduled])
    mountSection()
    await flush()
    button(`backup-restore-${scheduled.name}`)!.click()
    await flush()
    expect(call).not.toHaveBeenCalledWith('backups.restore', expect.anything())
    expect(text()).toContain('Restore this backup?')
    expect(text()).toContain('A safety copy of the current data is made first')
    button('backup-restore-confirm')!.click()
    await flush()
    expect(call).toHaveBeenCalledWith('backups.restore', { name: scheduled.name })
    expect(text()).toContain('keypool-20261123-091500-000-pre-restore.db')
    expect(text()).toContain('Safety copy')
  })

  it('shows a refused restore with its stable code', async () => {
    fakeCore([scheduled])
    mountSection()
    await flush()
    call.mockRejectedValueOnce(
      new ApiRequestError({ code: 'backup_invalid', message: 'integrity check failed' }),
    )
    button(`backup-restore-${scheduled.name}`)!.click()
    await flush()
    button('backup-restore-confirm')!.click()
    await flush()
    expect(text()).toContain('(backup_invalid)')
  })
})
