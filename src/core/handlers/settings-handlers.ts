import type { OperationHandlers } from '../router/operation-router'
import type { SettingsService } from '../services/settings-service'

export const settingsHandlers = (
  settings: SettingsService,
): Pick<OperationHandlers, 'settings.get' | 'settings.update'> => ({
  'settings.get': () => settings.get(),
  'settings.update': (patch) => settings.update(patch),
})
