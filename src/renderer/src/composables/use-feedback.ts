import { useMessage } from 'naive-ui'
import { useI18n } from 'vue-i18n'
import type { ApiError } from '../../../shared/errors'
import { toApiError } from '../utils/api-error'
import { copyText } from '../utils/clipboard'

/** Toasts for results and errors; errors show their stable code beside a translated message. */
export function useFeedback() {
  const message = useMessage()
  const { t, te } = useI18n()

  function describe(error: ApiError): string {
    const key = `errors.${error.code}`
    const human = te(key) ? t(key) : error.message
    const detail = error.issues?.length
      ? ` ${error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`
      : ''
    return `${human}${detail} (${error.code})`
  }

  return {
    describe,
    success: (text: string) => message.success(text),
    info: (text: string) => message.info(text),
    warning: (text: string) => message.warning(text, { duration: 8000, closable: true }),
    error(caught: unknown): void {
      message.error(describe(toApiError(caught)), { duration: 6000, closable: true })
    },
    async copy(text: string): Promise<void> {
      if (await copyText(text)) message.success(t('header.copied'))
      else message.warning(t('header.copyFailed'))
    },
  }
}
