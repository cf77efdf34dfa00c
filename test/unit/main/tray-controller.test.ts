import path from 'node:path'
import { clipboard, Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ZERO_KEY_COUNTS, type PoolHealthInput } from '../../../src/main/pool-health'
import {
  TRAY_LABELS,
  TrayController,
  type TrayActions,
  type TrayControllerOptions,
} from '../../../src/main/tray-controller'

interface FakeTray {
  image: { path: string; setTemplateImage: ReturnType<typeof vi.fn> }
  toolTip: string
  contextMenu: { items: MenuItemConstructorOptions[] }
  setImage: ReturnType<typeof vi.fn>
  setContextMenu: ReturnType<typeof vi.fn>
  listeners(event: string): ((...args: unknown[]) => void)[]
  isDestroyed(): boolean
}

const iconsDir = '/app/resources/tray'
const running = (counts: Partial<typeof ZERO_KEY_COUNTS>, requests = 0): PoolHealthInput => ({
  proxyRunning: true,
  counts: { ...ZERO_KEY_COUNTS, ...counts },
  requestsLastMinute: requests,
  errorsLastMinute: 0,
})
const shell = { baseUrl: 'http://127.0.0.1:8327/v1', launchAtLogin: false }

function actions() {
  return {
    openWindow: vi.fn<TrayActions['openWindow']>(),
    startProxy: vi.fn<TrayActions['startProxy']>(),
    stopProxy: vi.fn<TrayActions['stopProxy']>(),
    validateInvalidKeys: vi.fn<TrayActions['validateInvalidKeys']>(),
    setLaunchAtLogin: vi.fn<TrayActions['setLaunchAtLogin']>(),
    quit: vi.fn<TrayActions['quit']>(),
  }
}

function setup(options: Partial<TrayControllerOptions> = {}) {
  const calls = actions()
  const onError = vi.fn()
  const controller = new TrayController({
    iconsDir,
    actions: calls,
    platform: 'linux',
    onError,
    ...options,
  })
  const tray = vi.mocked(Tray).mock.instances.at(-1) as unknown as FakeTray
  const item = (id: string): MenuItemConstructorOptions => {
    const found = tray.contextMenu.items.find((i) => i.id === id)
    if (!found) throw new Error(`no menu item ${id}`)
    return found
  }
  const click = (id: string, checked?: boolean): void =>
    (item(id).click as (...a: unknown[]) => void)({ checked }, undefined, {})
  return { controller, tray, calls, onError, item, click }
}

beforeEach(() => {
  vi.clearAllMocks()
})

describe('TrayController', () => {
  it('starts grey with the coloured icons on Linux and Windows', () => {
    const { tray } = setup()
    expect(tray.image.path).toBe(path.join(iconsDir, 'tray-grey.png'))
    expect(tray.image.setTemplateImage).not.toHaveBeenCalled()
    expect(tray.toolTip).toBe('KeyPool · proxy stopped · 0 active')
  })

  it('swaps the icon with the health, only when it changes', () => {
    const { controller, tray } = setup()
    controller.update(running({ active: 3, total: 3 }), shell)
    expect(tray.image.path).toBe(path.join(iconsDir, 'tray-green.png'))
    controller.update(running({ active: 3, invalid: 1, total: 4 }), shell)
    expect(tray.image.path).toBe(path.join(iconsDir, 'tray-amber.png'))
    controller.update(running({ invalid: 4, total: 4 }), shell)
    expect(tray.image.path).toBe(path.join(iconsDir, 'tray-red.png'))
    expect(controller.currentHealth).toBe('red')
    controller.update(running({ invalid: 4, total: 4 }, 7), shell)
    expect(tray.setImage).toHaveBeenCalledTimes(3)
    expect(nativeImage.createFromPath).toHaveBeenCalledTimes(4) // grey, green, amber, red: cached
  })

  it('uses template images on macOS, whose shape tells the state', () => {
    const { controller, tray } = setup({ platform: 'darwin' })
    expect(tray.image.path).toBe(path.join(iconsDir, 'trayTemplate-grey.png'))
    expect(tray.image.setTemplateImage).toHaveBeenCalledWith(true)
    controller.update(running({ active: 1 }), shell)
    expect(tray.image.path).toBe(path.join(iconsDir, 'trayTemplate-green.png'))
    expect(tray.listeners('click')).toHaveLength(0) // macOS opens the menu on click
  })

  it('shows the counts and rate in the tooltip and the menu status line', () => {
    const { controller, tray, item } = setup()
    controller.update(running({ active: 12, invalid: 3, total: 15 }, 42), shell)
    expect(tray.toolTip).toBe('KeyPool · 12 active · 3 invalid · 42 req/min')
    expect(item('status')).toMatchObject({ label: tray.toolTip, enabled: false })
  })

  it('has the SPEC §7 menu, in order', () => {
    const { tray } = setup()
    const labels = tray.contextMenu.items
      .filter((i) => i.label && i.id !== 'status')
      .map((i) => i.label)
    expect(labels).toEqual([
      TRAY_LABELS.open,
      TRAY_LABELS.start,
      TRAY_LABELS.copy,
      TRAY_LABELS.validate,
      TRAY_LABELS.login,
      TRAY_LABELS.quit,
    ])
  })

  it('runs the injected actions from the menu', () => {
    const { controller, calls, click, item } = setup()
    click('open')
    expect(calls.openWindow).toHaveBeenCalledOnce()
    click('proxy')
    expect(calls.startProxy).toHaveBeenCalledOnce()

    controller.update(running({ active: 1, invalid: 2, total: 3 }), shell)
    expect(item('proxy').label).toBe(TRAY_LABELS.stop)
    click('proxy')
    expect(calls.stopProxy).toHaveBeenCalledOnce()
    expect(item('validate').enabled).toBe(true)
    click('validate')
    expect(calls.validateInvalidKeys).toHaveBeenCalledOnce()

    click('login', true)
    expect(calls.setLaunchAtLogin).toHaveBeenCalledWith(true)
    click('quit')
    expect(calls.quit).toHaveBeenCalledOnce()
  })

  it('copies the base URL to the clipboard', () => {
    const { controller, click, item } = setup()
    expect(item('copy').enabled).toBe(false) // no URL known yet
    controller.update(running({ active: 1 }), shell)
    click('copy')
    expect(clipboard.writeText).toHaveBeenCalledWith('http://127.0.0.1:8327/v1')
  })

  it('reflects launch at login as a checkbox and disables validation with nothing to validate', () => {
    const { controller, item } = setup()
    controller.update(running({ active: 1 }), { ...shell, launchAtLogin: true })
    expect(item('login')).toMatchObject({ type: 'checkbox', checked: true })
    expect(item('validate').enabled).toBe(false)
  })

  it('rebuilds the menu only when it changes', () => {
    const { controller, tray } = setup()
    controller.update(running({ active: 1 }, 5), shell)
    const builds = vi.mocked(Menu.buildFromTemplate).mock.calls.length
    controller.update(running({ active: 1 }, 5), shell)
    expect(Menu.buildFromTemplate).toHaveBeenCalledTimes(builds)
    controller.update(running({ active: 1 }, 6), shell) // the status line changed
    expect(Menu.buildFromTemplate).toHaveBeenCalledTimes(builds + 1)
    expect(tray.setContextMenu).toHaveBeenCalledTimes(builds + 1)
  })

  it('opens the window on a left click outside macOS', () => {
    const { tray, calls } = setup({ platform: 'win32' })
    for (const listener of tray.listeners('click')) listener()
    expect(calls.openWindow).toHaveBeenCalledOnce()
  })

  it('reports failing actions, sync or async, instead of throwing into Electron', async () => {
    const { calls, click, onError } = setup()
    calls.startProxy.mockRejectedValueOnce(new Error('port in use'))
    calls.openWindow.mockImplementationOnce(() => {
      throw new Error('boom')
    })
    click('proxy')
    click('open')
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(2))
    expect(onError).toHaveBeenCalledWith('openWindow', new Error('boom'))
    expect(onError).toHaveBeenCalledWith('startProxy', new Error('port in use'))
  })

  it('ignores updates after destroy', () => {
    const { controller, tray } = setup()
    controller.destroy()
    expect(tray.isDestroyed()).toBe(true)
    controller.update(running({ active: 1 }), shell)
    expect(tray.setImage).not.toHaveBeenCalled()
  })
})
