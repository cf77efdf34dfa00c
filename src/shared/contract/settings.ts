import { z } from 'zod'
import { defineOperation } from './operation'
import { emptyInputSchema } from './common'

/** The fixed default port of the local proxy: not used by any well-known local AI tool. */
export const DEFAULT_PROXY_PORT = 8327

const hostNameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.\-:[\]]+$/, 'a host name or IP address')

export const proxySettingsSchema = z.strictObject({
  host: hostNameSchema,
  port: z.number().int().min(1).max(65535),
  /** Extra names accepted in the Host header besides localhost, 127.0.0.1 and [::1]. */
  allowedHosts: z.array(hostNameSchema).max(32),
  /** Browser origins allowed to call the proxy (for web apps); none by default. */
  allowedOrigins: z.array(z.url().max(200)).max(32),
  maxAttempts: z.number().int().min(1).max(10),
  connectTimeoutMs: z.number().int().min(100).max(120_000),
  firstByteTimeoutMs: z.number().int().min(1_000).max(3_600_000),
  idleTimeoutMs: z.number().int().min(1_000).max(3_600_000),
  maxJsonBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024),
  maxMultipartBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(4 * 1024 * 1024 * 1024),
  maxConcurrentRequests: z.number().int().min(1).max(100_000),
  /**
   * Connections KeyPool keeps to each upstream (provider origin) at most: requests beyond it wait
   * for a free one (SECURITY P8: a bounded dispatcher). Raise it for many concurrent streams.
   */
  maxUpstreamConnections: z.number().int().min(1).max(10_000),
})

export const routingStrategySchema = z.enum([
  'round-robin',
  'least-recently-used',
  'weighted-random',
  'headroom',
])

export const routingSettingsSchema = z.strictObject({
  strategy: routingStrategySchema,
  cooldownBaseMs: z.number().int().min(100).max(3_600_000),
  cooldownMaxMs: z.number().int().min(1_000).max(86_400_000),
})

export const validationSettingsSchema = z.strictObject({
  onAdd: z.boolean(),
  concurrency: z.number().int().min(1).max(64),
  /** Minutes between scheduled re-checks of invalid and exhausted keys; 0 turns it off. */
  scheduleMinutes: z.number().int().min(0).max(10_080),
  /** The paid check: a 1-token completion on `thoroughModel` instead of the free model list. */
  thorough: z.boolean(),
  thoroughModel: z.string().min(1).max(200),
})

export const dataSettingsSchema = z.strictObject({
  retentionDays: z.number().int().min(1).max(3650),
  /** Hours between scheduled backups of the database; 0 turns them off. At most 30 days. */
  backupIntervalHours: z.number().int().min(0).max(720),
  /** Backups kept of each kind (scheduled, manual, pre-restore); older ones are deleted. */
  backupKeep: z.number().int().min(1).max(100),
})

export const uiSettingsSchema = z.strictObject({
  theme: z.enum(['system', 'light', 'dark']),
  language: z.enum(['en', 'zh-CN']),
})

export const desktopSettingsSchema = z.strictObject({
  launchAtLogin: z.boolean(),
  closeToTray: z.boolean(),
  startProxyOnLaunch: z.boolean(),
})

export const notificationSettingsSchema = z.strictObject({
  keyFailed: z.boolean(),
  poolEmpty: z.boolean(),
  subKeyExpiring: z.boolean(),
})

export const settingsSchema = z.strictObject({
  proxy: proxySettingsSchema,
  routing: routingSettingsSchema,
  validation: validationSettingsSchema,
  data: dataSettingsSchema,
  ui: uiSettingsSchema,
  desktop: desktopSettingsSchema,
  notifications: notificationSettingsSchema,
})

export type Settings = z.infer<typeof settingsSchema>
export type SettingsSection = keyof Settings
export type RoutingStrategy = z.infer<typeof routingStrategySchema>

/** A partial update: any section, any subset of its fields. Unknown fields are rejected. */
export const settingsPatchSchema = z.strictObject({
  proxy: proxySettingsSchema.partial().optional(),
  routing: routingSettingsSchema.partial().optional(),
  validation: validationSettingsSchema.partial().optional(),
  data: dataSettingsSchema.partial().optional(),
  ui: uiSettingsSchema.partial().optional(),
  desktop: desktopSettingsSchema.partial().optional(),
  notifications: notificationSettingsSchema.partial().optional(),
})

export type SettingsPatch = z.infer<typeof settingsPatchSchema>

export const defaultSettings: Settings = {
  proxy: {
    host: '127.0.0.1',
    port: DEFAULT_PROXY_PORT,
    allowedHosts: [],
    allowedOrigins: [],
    maxAttempts: 3,
    connectTimeoutMs: 10_000,
    firstByteTimeoutMs: 300_000,
    idleTimeoutMs: 120_000,
    maxJsonBodyBytes: 32 * 1024 * 1024,
    maxMultipartBodyBytes: 100 * 1024 * 1024,
    maxConcurrentRequests: 2_000,
    maxUpstreamConnections: 128,
  },
  routing: { strategy: 'round-robin', cooldownBaseMs: 5_000, cooldownMaxMs: 600_000 },
  validation: {
    onAdd: true,
    concurrency: 8,
    scheduleMinutes: 60,
    thorough: false,
    thoroughModel: 'gpt-4o-mini',
  },
  data: { retentionDays: 30, backupIntervalHours: 24, backupKeep: 7 },
  ui: { theme: 'system', language: 'en' },
  desktop: { launchAtLogin: false, closeToTray: true, startProxyOnLaunch: true },
  notifications: { keyFailed: true, poolEmpty: true, subKeyExpiring: true },
}

export const settingsOperations = {
  'settings.get': defineOperation({
    method: 'GET',
    path: '/api/settings',
    summary: 'Read all settings',
    input: emptyInputSchema,
    output: settingsSchema,
  }),
  'settings.update': defineOperation({
    method: 'PATCH',
    path: '/api/settings',
    summary: 'Change some settings; answers with all settings',
    input: settingsPatchSchema,
    output: settingsSchema,
  }),
}
