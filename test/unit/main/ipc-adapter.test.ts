import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { KeyPoolCore } from '../../../src/core/keypool-core'
import { silentLogger } from '../../../src/core/logger'
import { registerIpcAdapter } from '../../../src/main/ipc-adapter'
import { ipcChannels } from '../../../src/shared/ipc-channels'
import { tempDir } from '../../support/temp-dir'

type Handler = (event: unknown, operation: unknown, input: unknown) => Promise<unknown>

/** A stand-in for Electron's ipcMain that records the handler the adapter registers. */
function fakeIpcMain() {
  const handlers = new Map<string, Handler>()
  return {
    handle: vi.fn((channel: string, handler: Handler) => void handlers.set(channel, handler)),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
    invoke(frame: unknown, operation: unknown, input?: unknown) {
      const handler = handlers.get(ipcChannels.request)
      if (!handler) throw new Error('no handler registered')
      return handler({ senderFrame: frame }, operation, input)
    },
  }
}

const appFrame = { url: 'app://keypool/index.html', parent: null }
let core: KeyPoolCore | undefined

afterEach(async () => {
  await core?.close(0)
  core = undefined
})

function setup() {
  core = KeyPoolCore.open({ dataDir: tempDir(), logger: silentLogger })
  const ipcMain = fakeIpcMain()
  const sent: unknown[][] = []
  const contents = { isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) }
  const dispose = registerIpcAdapter({
    ipcMain,
    router: core.router,
    events: core.events,
    targets: () => [contents as never],
  })
  return { ipcMain, sent, dispose, core }
}

describe('the contract over IPC (mocked ipcMain)', () => {
  it('serves settings and providers with the same envelope as HTTP', async () => {
    const { ipcMain } = setup()
    const settings = await ipcMain.invoke(appFrame, 'settings.get', {})
    expect(settings).toMatchObject({ ok: true, data: { proxy: { host: '127.0.0.1' } } })
    const created = await ipcMain.invoke(appFrame, 'providers.create', {
      name: 'Groq',
      baseUrl: 'https://api.groq.com/openai/v1',
    })
    expect(created).toEqual({
      ok: true,
      data: { id: 2, name: 'Groq', baseUrl: 'https://api.groq.com/openai/v1', enabled: true },
    })
    expect(await ipcMain.invoke(appFrame, 'providers.delete', { id: 99 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    })
    expect(await ipcMain.invoke(appFrame, 'providers.create', { name: '' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    })
  })

  it.each([
    ['a null frame', null],
    ['a sub-frame', { url: 'app://keypool/index.html', parent: {} }],
    ['a foreign URL', { url: 'https://evil.example/', parent: null }],
    ['another app:// host', { url: 'app://other/index.html', parent: null }],
    ['a file URL', { url: `file://${path.resolve('index.html')}`, parent: null }],
  ])('rejects %s before reaching the router', async (_name, frame) => {
    const { ipcMain, core } = setup()
    const call = vi.spyOn(core.router, 'call')
    expect(await ipcMain.invoke(frame, 'settings.get', {})).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Untrusted sender' },
    })
    expect(call).not.toHaveBeenCalled()
  })

  it('pushes core events to the window and stops after dispose', async () => {
    const { ipcMain, sent, dispose } = setup()
    await ipcMain.invoke(appFrame, 'settings.update', { ui: { theme: 'dark' } })
    expect(sent).toHaveLength(1)
    expect(sent[0]![0]).toBe(ipcChannels.event)
    expect(sent[0]![1]).toBe('settings.changed')
    dispose()
    expect(ipcMain.removeHandler).toHaveBeenCalledWith(ipcChannels.request)
  })
})
