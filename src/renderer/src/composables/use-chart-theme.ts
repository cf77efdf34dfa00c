import { computed, type ComputedRef } from 'vue'
import { useAppTheme } from './use-app-theme'

/** Colors shared by every chart, following light and dark. */
export interface ChartTheme {
  text: string
  subtle: string
  grid: string
  background: string
  palette: string[]
  states: Record<'active' | 'cooling' | 'exhausted' | 'invalid' | 'disabled', string>
}

/** The chart colors for the current theme, for options built with echarts. */
export function useChartTheme(): ComputedRef<ChartTheme> {
  const { isDark } = useAppTheme()
  return computed(() => ({
    text: isDark.value ? 'rgba(255,255,255,0.82)' : 'rgb(51,54,57)',
    subtle: isDark.value ? 'rgba(255,255,255,0.45)' : 'rgba(0,0,0,0.45)',
    grid: isDark.value ? 'rgba(255,255,255,0.09)' : 'rgba(0,0,0,0.08)',
    background: 'transparent',
    palette: isDark.value
      ? ['#4fb39c', '#e8a33d', '#e06c75', '#7aa2f7', '#b48ead', '#8aa0a8']
      : ['#2f7d6d', '#d08c1a', '#d03050', '#3b6fd8', '#8e5aa8', '#6f8790'],
    states: isDark.value
      ? {
          active: '#4fb39c',
          cooling: '#7aa2f7',
          exhausted: '#e8a33d',
          invalid: '#e06c75',
          disabled: '#8a8f98',
        }
      : {
          active: '#2f7d6d',
          cooling: '#3b6fd8',
          exhausted: '#d08c1a',
          invalid: '#d03050',
          disabled: '#a0a4ab',
        },
  }))
}
