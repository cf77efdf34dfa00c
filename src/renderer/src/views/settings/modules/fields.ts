import type { Settings, SettingsSection } from '../../../../../shared/contract'

export type FieldKind = 'text' | 'number' | 'switch' | 'tags' | 'select'

export interface FieldSpec {
  key: string
  kind: FieldKind
  /** For selects: the values, labelled by `<optionLabels>.<value>`. */
  options?: readonly string[]
  optionLabels?: string
  /** i18n key of help text under the field. */
  help?: string
  min?: number
  max?: number
  step?: number
}

/** Every setting of src/shared/contract/settings.ts, in the order the page shows them. */
export const settingsLayout: { section: SettingsSection; help?: string; fields: FieldSpec[] }[] = [
  {
    section: 'proxy',
    fields: [
      { key: 'host', kind: 'text', help: 'settings.proxy.hostHelp' },
      { key: 'port', kind: 'number', min: 1, max: 65535, help: 'settings.proxy.portHelp' },
      { key: 'allowedHosts', kind: 'tags', help: 'settings.proxy.allowedHostsHelp' },
      { key: 'allowedOrigins', kind: 'tags', help: 'settings.proxy.allowedOriginsHelp' },
      {
        key: 'maxAttempts',
        kind: 'number',
        min: 1,
        max: 10,
        help: 'settings.proxy.maxAttemptsHelp',
      },
      { key: 'connectTimeoutMs', kind: 'number', min: 100, max: 120_000, step: 1000 },
      { key: 'firstByteTimeoutMs', kind: 'number', min: 1000, max: 3_600_000, step: 1000 },
      {
        key: 'idleTimeoutMs',
        kind: 'number',
        min: 1000,
        max: 3_600_000,
        step: 1000,
        help: 'settings.proxy.timeoutsHelp',
      },
      { key: 'maxJsonBodyBytes', kind: 'number', min: 1024, step: 1024 * 1024 },
      { key: 'maxMultipartBodyBytes', kind: 'number', min: 1024, step: 1024 * 1024 },
      { key: 'maxConcurrentRequests', kind: 'number', min: 1, max: 100_000 },
      {
        key: 'maxUpstreamConnections',
        kind: 'number',
        min: 1,
        max: 10_000,
        help: 'settings.proxy.maxUpstreamConnectionsHelp',
      },
    ],
  },
  {
    section: 'routing',
    fields: [
      {
        key: 'strategy',
        kind: 'select',
        options: ['round-robin', 'least-recently-used', 'weighted-random', 'headroom'],
        optionLabels: 'settings.routing.strategies',
        help: 'settings.routing.strategyHelp',
      },
      { key: 'cooldownBaseMs', kind: 'number', min: 100, max: 3_600_000, step: 1000 },
      {
        key: 'cooldownMaxMs',
        kind: 'number',
        min: 1000,
        max: 86_400_000,
        step: 1000,
        help: 'settings.routing.cooldownHelp',
      },
    ],
  },
  {
    section: 'validation',
    fields: [
      { key: 'onAdd', kind: 'switch' },
      { key: 'concurrency', kind: 'number', min: 1, max: 64 },
      {
        key: 'scheduleMinutes',
        kind: 'number',
        min: 0,
        max: 10_080,
        help: 'settings.validation.scheduleHelp',
      },
      { key: 'thorough', kind: 'switch', help: 'settings.validation.thoroughHelp' },
      { key: 'thoroughModel', kind: 'text' },
    ],
  },
  {
    section: 'data',
    fields: [
      {
        key: 'retentionDays',
        kind: 'number',
        min: 1,
        max: 3650,
        help: 'settings.data.retentionHelp',
      },
      {
        key: 'backupIntervalHours',
        kind: 'number',
        min: 0,
        max: 720,
        help: 'settings.data.backupIntervalHelp',
      },
      { key: 'backupKeep', kind: 'number', min: 1, max: 100, help: 'settings.data.backupKeepHelp' },
    ],
  },
  {
    section: 'ui',
    fields: [
      { key: 'theme', kind: 'select', options: ['system', 'light', 'dark'], optionLabels: 'theme' },
      { key: 'language', kind: 'select', options: ['en', 'zh-CN'], optionLabels: 'language' },
    ],
  },
  {
    section: 'desktop',
    help: 'settings.desktop.help',
    fields: [
      { key: 'launchAtLogin', kind: 'switch' },
      { key: 'closeToTray', kind: 'switch' },
      { key: 'startProxyOnLaunch', kind: 'switch' },
    ],
  },
  {
    section: 'notifications',
    fields: [
      { key: 'keyFailed', kind: 'switch' },
      { key: 'poolEmpty', kind: 'switch' },
      { key: 'subKeyExpiring', kind: 'switch' },
    ],
  },
]

/** The fields whose values differ between two settings objects, as a PATCH body. */
export function settingsPatch(saved: Settings, draft: Settings): Partial<Settings> {
  const patch: Record<string, unknown> = {}
  for (const section of Object.keys(draft) as SettingsSection[]) {
    const changed: Record<string, unknown> = {}
    const before = saved[section] as Record<string, unknown>
    for (const [key, value] of Object.entries(draft[section])) {
      if (JSON.stringify(value) !== JSON.stringify(before[key])) changed[key] = value
    }
    if (Object.keys(changed).length > 0) patch[section] = changed
  }
  return patch as Partial<Settings>
}
