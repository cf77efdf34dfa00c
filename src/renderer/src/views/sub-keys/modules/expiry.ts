/** Expiry presets of the sub-key form, in seconds; `never` and `custom` carry no duration. */
export const expiryPresets = {
  '1h': 3_600,
  '1d': 86_400,
  '7d': 7 * 86_400,
  '30d': 30 * 86_400,
} as const

export type ExpiryPreset = keyof typeof expiryPresets | 'never' | 'custom'

/** The ISO expiry a preset means from `now`; `custom` uses the picked date (ms). */
export function expiryFor(
  preset: ExpiryPreset,
  picked: number | null,
  now = Date.now(),
): string | null {
  if (preset === 'never') return null
  if (preset === 'custom') return picked ? new Date(picked).toISOString() : null
  return new Date(now + expiryPresets[preset] * 1000).toISOString()
}
