import { contextBridge, ipcRenderer } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { mainWindowOptions, isAllowedExternalUrl } from '../../../src/main/main-window'
import { resolveAppUrl } from '../../../src/main/app-protocol'
import { ipcChannels } from '../../../src/shared/ipc-channels'

describe('the preload bridge', () => {
  it('exposes a frozen object with request and on only, and hides the IPC event', async () => {
    await import('../../../src/preload/index')
    const [name, bridge] = vi.mocked(contextBridge.exposeInMainWorld).mock.calls[0]! as [
      string,
      {
        request: (...a: unknown[]) => unknown
        on: (e: string, l: (p: unknown) => void) => () => void
      },
    ]
    expect(name).toBe('keypool')
    expect(Object.keys(bridge).sort()).toEqual(['on', 'request'])
    expect(Object.isFrozen(bridge)).toBe(true)

    bridge.request('settings.get', {})
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(ipcChannels.request, 'settings.get', {})

    const listener = vi.fn()
    bridge.on('settings.changed', listener)
    const wrapped = vi.mocked(ipcRenderer.on).mock.calls[0]![1] as (...a: unknown[]) => void
    wrapped({ sender: 'secret' }, 'settings.changed', { a: 1 })
    wrapped({ sender: 'secret' }, 'providers.changed', { b: 2 })
    expect(listener.mock.calls).toEqual([[{ a: 1 }]])
  })
})

describe('the main window', () => {
  it('is created hardened (E1)', () => {
    const prefs = mainWindowOptions('/p.cjs').webPreferences!
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/p.cjs',
    })
  })

  it('opens only allow-listed https URLs externally', () => {
    expect(isAllowedExternalUrl('https://github.com/keypool')).toBe(true)
    expect(isAllowedExternalUrl('http://github.com/')).toBe(false)
    expect(isAllowedExternalUrl('https://github.com.evil.example/')).toBe(false)
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false)
  })
})

describe('the app:// protocol', () => {
  it('resolves files inside the renderer folder and refuses traversal', () => {
    const root = '/opt/keypool/renderer'
    expect(resolveAppUrl(root, 'app://keypool/')).toBe(`${root}/index.html`)
    expect(resolveAppUrl(root, 'app://keypool/assets/a.js')).toBe(`${root}/assets/a.js`)
    expect(resolveAppUrl(root, 'app://keypool/../../etc/passwd')).toBe(`${root}/etc/passwd`)
    expect(resolveAppUrl(root, 'app://keypool/%2e%2e/%2e%2e/etc/passwd')).toBe(`${root}/etc/passwd`)
    expect(resolveAppUrl(root, 'app://keypool/..%2f..%2fetc%2fpasswd')).toBeUndefined()
    expect(resolveAppUrl(root, 'app://keypool/a%00.js')).toBeUndefined()
    expect(resolveAppUrl(root, 'app://other/index.html')).toBeUndefined()
  })
})
