import { mount } from '@vue/test-utils'
import { NMessageProvider } from 'naive-ui'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { call, mockApiModule } from './mock-api'

vi.mock('../../../src/renderer/src/api', () => mockApiModule())

const { i18n } = await import('../../../src/renderer/src/locales')
const { default: RevealDialog } =
  await import('../../../src/renderer/src/views/sub-keys/modules/RevealDialog.vue')

const secret = 'sk-kp-TESTsecret0000000000000000000000000000000abcd'
const issued = {
  secret,
  subKey: { id: 1, name: 'laptop', prefix: 'sk-kp-TEST', last4: 'abcd' },
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await nextTick()
}

describe('RevealDialog', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    call.mockReset()
    document.body.innerHTML = ''
  })

  function mountDialog() {
    const current = ref<typeof issued | null>(issued)
    const Host = defineComponent(
      () => () =>
        h(NMessageProvider, null, () =>
          h(RevealDialog, {
            issued: current.value as never,
            onClose: () => (current.value = null),
          }),
        ),
    )
    const wrapper = mount(Host, { attachTo: document.body, global: { plugins: [i18n] } })
    return { wrapper, current }
  }

  it('shows the secret and snippets once, and forgets them when closed', async () => {
    const { current } = mountDialog()
    await flush()
    const text = () => document.body.textContent ?? ''
    expect(text()).toContain(secret)
    expect(text()).toContain(`OPENAI_API_KEY="${secret}"`)
    current.value = null
    await flush()
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(document.body.innerHTML).not.toContain(secret)
  })

  it('runs the connection test with the secret and lists each step', async () => {
    call.mockResolvedValue({
      steps: [
        { step: 'models', ok: true, status: 200, latencyMs: 5, detail: '7 models' },
        { step: 'chat', ok: true, status: 200, latencyMs: 9, detail: '“OK”' },
        { step: 'stream', ok: false, status: 502, latencyMs: 12, detail: 'upstream_unreachable' },
      ],
    })
    mountDialog()
    await flush()
    const button = document.querySelector<HTMLButtonElement>('[data-testid="reveal-test"]')!
    button.click()
    await flush()
    expect(call).toHaveBeenCalledWith('subKeys.testConnection', { secret })
    const results = document.querySelector('[data-testid="reveal-test-results"]')!
    expect(results.querySelectorAll('li')).toHaveLength(3)
    expect(results.textContent).toContain('upstream_unreachable')
    expect(results.textContent).toContain('502')
  })
})
