import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import relativeTime from 'dayjs/plugin/relativeTime'
import { createI18n } from 'vue-i18n'
import { en, type Messages } from './en'
import { zhCN } from './zh-cn'

dayjs.extend(relativeTime)

export type Language = 'en' | 'zh-CN'
export const languages: readonly Language[] = ['en', 'zh-CN']

const LANGUAGE_STORAGE_KEY = 'keypool.language'

/** The language before settings load (the login page): the last one used, else the browser's. */
function initialLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_STORAGE_KEY)
  if (stored === 'en' || stored === 'zh-CN') return stored
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

export const i18n = createI18n<[Messages], Language, false>({
  legacy: false,
  locale: initialLanguage(),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
})

/** Switches every text of the UI, dayjs's relative times included. */
export function setLanguage(language: Language): void {
  i18n.global.locale.value = language
  dayjs.locale(language === 'zh-CN' ? 'zh-cn' : 'en')
  document.documentElement.lang = language
  localStorage.setItem(LANGUAGE_STORAGE_KEY, language)
}

setLanguage(i18n.global.locale.value)
