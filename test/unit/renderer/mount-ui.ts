import { mount } from '@vue/test-utils'
import { NDialogProvider, NMessageProvider } from 'naive-ui'
import { expect, vi } from 'vitest'
import { defineComponent, h, nextTick, type Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '../../../src/renderer/src/locales'

/**
 * Helpers for component tests in happy-dom: mount inside the providers the app has (messages,
 * dialogs, i18n) and drive the real naive-ui controls through the DOM. Modals, popovers and
 * menus are teleported, so queries look at the whole document.
 */

export async function flush(times = 6): Promise<void> {
  for (let i = 0; i < times; i++) {
    await nextTick()
    await Promise.resolve()
  }
}

/** Waits for real time to pass (transitions, debounces); the tests assert after, never before. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const mounted: { unmount(): void }[] = []

export function mountUi(render: () => ReturnType<typeof h>, plugins: object[] = []) {
  i18n.global.locale.value = 'en'
  const Host = defineComponent(
    () => () => h(NMessageProvider, null, () => h(NDialogProvider, null, () => render())),
  )
  const wrapper = mount(Host as Component, {
    attachTo: document.body,
    // Real transitions: naive-ui teleports a modal's menus into the modal's element, which a
    // stubbed transition does not provide.
    global: { plugins: [i18n, ...plugins] as never[], stubs: { transition: false } },
  })
  mounted.push(wrapper)
  return wrapper
}

/** Unmounts what earlier tests mounted (their timers and subscriptions end) and clears the page. */
export function unmountAll(): void {
  for (const wrapper of mounted.splice(0)) wrapper.unmount()
  document.body.innerHTML = ''
}

/** Retries an assertion until it holds; generous, for a busy shared machine. */
export const eventually = <T>(assertion: () => T): Promise<T> =>
  vi.waitFor(assertion, { timeout: 8_000, interval: 20 })

export const bodyText = (): string => document.body.textContent ?? ''

export function byTestId<T extends Element = HTMLElement>(id: string, root: ParentNode = document) {
  return root.querySelector<T>(`[data-testid="${id}"]`)
}

/** The visible button (or button-like element) whose text is exactly `label`. */
export function button(label: string, root: ParentNode = document.body): HTMLButtonElement {
  const found = [...root.querySelectorAll<HTMLButtonElement>('button')].find(
    (candidate) => candidate.textContent?.trim() === label,
  )
  expect(found, `a button "${label}"`).toBeTruthy()
  return found!
}

export function buttons(label: string, root: ParentNode = document.body): HTMLButtonElement[] {
  return [...root.querySelectorAll<HTMLButtonElement>('button')].filter(
    (candidate) => candidate.textContent?.trim() === label,
  )
}

/** A router in memory whose named pages (`logs` at `/logs`) render nothing: for links and filters. */
export function memoryRouter(names: string[]) {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { render: () => null } },
      ...names.map((name) => ({ name, path: `/${name}`, component: { render: () => null } })),
    ],
  })
}

/** Opens the dropdown behind the element `trigger` and picks its entry `label`, as a user does. */
export async function chooseMenuEntry(trigger: HTMLElement, label: string): Promise<void> {
  trigger.click()
  await flush()
  await sleep(20)
  const option = [...document.querySelectorAll<HTMLElement>('.n-dropdown-option')].find(
    (candidate) => candidate.textContent?.trim() === label,
  )
  expect(option, `a menu entry "${label}"`).toBeTruthy()
  option!.querySelector<HTMLElement>('.n-dropdown-option-body')!.click()
  await flush()
  await sleep(20)
}

/** Types into a naive-ui NInput (input or textarea) the way a user does. */
export async function typeInto(field: HTMLInputElement | HTMLTextAreaElement, value: string) {
  field.focus()
  field.value = value
  field.dispatchEvent(new Event('input', { bubbles: true }))
  field.dispatchEvent(new Event('change', { bubbles: true }))
  await flush()
}

/** Opens a naive-ui NSelect and picks the option with this exact label. */
export async function pickOption(select: Element, label: string): Promise<void> {
  const trigger = select.querySelector<HTMLElement>('.n-base-selection') ?? (select as HTMLElement)
  trigger.dispatchEvent(new MouseEvent('click', { bubbles: true }))
  await flush()
  const option = [...document.querySelectorAll<HTMLElement>('.n-base-select-option')].find(
    (candidate) => candidate.textContent?.trim() === label,
  )
  expect(option, `an option "${label}"`).toBeTruthy()
  option!.dispatchEvent(new MouseEvent('click', { bubbles: true }))
  await flush()
}

/** The label → value pairs of naive-ui NStatistic blocks under `root`. */
export function statistics(root: ParentNode): Record<string, string> {
  const out: Record<string, string> = {}
  for (const statistic of root.querySelectorAll('.n-statistic')) {
    const label = statistic.querySelector('.n-statistic__label')?.textContent?.trim() ?? ''
    out[label] = statistic.querySelector('.n-statistic-value')?.textContent?.trim() ?? ''
  }
  return out
}

/** The texts of the toasts naive-ui's message provider shows. */
export const toasts = (): string[] =>
  [...document.querySelectorAll('.n-message')].map((message) => message.textContent?.trim() ?? '')
