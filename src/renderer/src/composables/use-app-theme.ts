import { darkTheme, type GlobalTheme, type GlobalThemeOverrides } from 'naive-ui'
import { computed, type ComputedRef } from 'vue'
import { useSettingsStore } from '../stores/settings-store'
import { useMediaQuery } from './use-media-query'

export type ThemeChoice = 'system' | 'light' | 'dark'

const overrides: GlobalThemeOverrides = {
  common: { primaryColor: '#2f7d6d', primaryColorHover: '#3a9482', primaryColorPressed: '#25665a' },
}
const darkOverrides: GlobalThemeOverrides = {
  common: { primaryColor: '#4fb39c', primaryColorHover: '#63c4ad', primaryColorPressed: '#3c9784' },
}

/** The theme the UI shows: `settings.ui.theme`, where `system` follows the OS preference. */
export function useAppTheme(): {
  isDark: ComputedRef<boolean>
  theme: ComputedRef<GlobalTheme | null>
  overrides: ComputedRef<GlobalThemeOverrides>
} {
  const settings = useSettingsStore()
  const systemDark = useMediaQuery('(prefers-color-scheme: dark)')
  const isDark = computed(() => {
    const choice: ThemeChoice = settings.settings?.ui.theme ?? 'system'
    return choice === 'dark' || (choice === 'system' && systemDark.value)
  })
  return {
    isDark,
    theme: computed(() => (isDark.value ? darkTheme : null)),
    overrides: computed(() => (isDark.value ? darkOverrides : overrides)),
  }
}
