import {
  defaultSettings,
  settingsSchema,
  type Settings,
  type SettingsPatch,
  type SettingsSection,
} from '../../shared/contract'
import type { Clock } from '../clock'
import { AppError } from '../errors'
import type { EventBus } from '../events/event-bus'
import type { SettingsRepository } from '../store/settings-repository'

/**
 * Holds the current settings in memory (read on every proxied request, so never from disk on
 * the hot path) and persists changes. Stored values are merged over the defaults field by field,
 * so a setting added in a later version starts at its default.
 */
export class SettingsService {
  private current: Settings

  constructor(
    private readonly repository: SettingsRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {
    this.current = mergeOver(defaultSettings, repository.readAll())
  }

  get(): Settings {
    return this.current
  }

  /** Re-reads the stored settings (after a backup restore replaced them) and announces them. */
  reload(): Settings {
    this.current = mergeOver(defaultSettings, this.repository.readAll())
    this.events.emit('settings.changed', this.current)
    return this.current
  }

  update(patch: SettingsPatch): Settings {
    const next = mergeOver(this.current, patch)
    const parsed = settingsSchema.safeParse(next)
    if (!parsed.success) throw new AppError('invalid_input', 'These settings are not valid')
    if (parsed.data.routing.cooldownBaseMs > parsed.data.routing.cooldownMaxMs) {
      throw new AppError(
        'invalid_input',
        'The base cooldown must not exceed the maximum cooldown',
        [{ path: 'routing.cooldownBaseMs', message: 'greater than routing.cooldownMaxMs' }],
      )
    }
    const changed = Object.keys(patch) as SettingsSection[]
    this.repository.writeSections(
      Object.fromEntries(changed.map((section) => [section, parsed.data[section]])),
      this.clock.now(),
    )
    this.current = parsed.data
    this.events.emit('settings.changed', this.current)
    return this.current
  }
}

/**
 * Field-wise merge of stored or patched sections over a base. Each section is validated on its
 * own; a stored section that no longer validates (say, after a range was tightened) keeps the
 * base values instead of stopping the app.
 */
function mergeOver(base: Settings, overrides: Partial<Record<SettingsSection, unknown>>): Settings {
  const merged: Record<string, unknown> = { ...base }
  for (const section of Object.keys(base) as SettingsSection[]) {
    const override = overrides[section]
    if (!override || typeof override !== 'object') continue
    const candidate = { ...base[section], ...(override as object) }
    const check = settingsSchema.shape[section].safeParse(candidate)
    merged[section] = check.success ? check.data : base[section]
  }
  return merged as Settings
}
