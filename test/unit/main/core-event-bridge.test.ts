import { Notification } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeyPoolCore } from '../../../src/core/keypool-core'
import { silentLogger } from '../../../src/core/logger'
import { subKeyCreateSchema } from '../../../src/shared/contract/sub-keys'
import { CoreEventBridge } from '../../../src/main/core-event-bridge'
import { DesktopNotifier } from '../../../src/main/desktop-notifier'
import { readHealthInput, validateInvalidKeys } from '../../../src/main/pool-bridge'
import { TrayController } from '../../../src/main/tray-controller'
import { tempDir } from '../../support/temp-dir'

const HOUR = 3_600_000
const REFRESH_MS = 150

let core: KeyPoolCore
let bridge: CoreEventBridge
let notifier: DesktopNotifier
let tray: TrayController
let refresh: ReturnType<typeof vi.fn<() => void>>

const titles = () =>
  (vi.mocked(Notification).mock.instances as unknown as { options: { title: string } }[]).map(
    (n) => n.options.title,
  )

/** The fake tray's tooltip (__mocks__/electron.ts keeps what was set). */
const tooltip = () => (tray.tray as unknown as { toolTip: string }).toolTip

/** A real core in a temp folder with `count` keys, listening, and the shell's pieces around it. */
async function start(count: number): Promise<number[]> {
  core = KeyPoolCore.open({ dataDir: tempDir('keypool-bridge-'), logger: silentLogger })
  core.settings.update({ validation: { onAdd: false } })
  const lines = Array.from({ length: count }, (_, i) => `sk-bridge-test-key-${i}-0123456789`)
  if (count > 0) core.keys.bulkAdd({ keys: lines.join('\n') })
  await core.listen({ port: 0, host: '127.0.0.1' })
  tray = new TrayController({
    iconsDir: '/app/resources/tray',
    platform: 'linux',
    actions: {
      openWindow: vi.fn(),
      startProxy: vi.fn(),
      stopProxy: vi.fn(),
      validateInvalidKeys: () => validateInvalidKeys(core),
      setLaunchAtLogin: vi.fn(),
      quit: vi.fn(),
    },
  })
  notifier = new DesktopNotifier({
    toggles: () => core.settings.get().notifications,
    settleMs: 20,
  })
  // What index.ts's refreshTray does.
  refresh = vi.fn(() => {
    const input = readHealthInput(core)
    tray.update(input, { baseUrl: 'http://127.0.0.1:8327/v1', launchAtLogin: false })
    notifier.observePool(input)
  })
  refresh()
  refresh.mockClear()
  bridge = new CoreEventBridge({ core, refresh, notifier, refreshIntervalMs: REFRESH_MS })
  bridge.start()
  return core.keys.routingKeys().map((key) => key.id)
}

beforeEach(() => {
  vi.mocked(Notification).mockClear()
})

afterEach(async () => {
  bridge.stop()
  notifier.dispose()
  tray.destroy()
  await core.close(0)
})

describe('the core event bridge (real core, mocked electron)', () => {
  it('reads the pool counts and the listener state for the tray', async () => {
    await start(3)
    expect(readHealthInput(core)).toEqual({
      proxyRunning: true,
      counts: { active: 3, cooling: 0, exhausted: 0, invalid: 0, disabled: 0, total: 3 },
      requestsLastMinute: 0,
      errorsLastMinute: 0,
    })
    expect(tray.currentHealth).toBe('green')
    expect(tooltip()).toBe('KeyPool · 3 active · 0 req/min')
  })

  it('a key turning invalid gives one tray refresh to amber and one notification', async () => {
    const [first] = await start(2)
    core.keys.transition(first!, 'invalid', { reason: '401 invalid_api_key', httpStatus: 401 })
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledOnce())
    expect(tray.currentHealth).toBe('amber')
    expect(tooltip()).toBe('KeyPool · 1 active · 1 invalid · 0 req/min')
    await vi.waitFor(() => expect(titles()).toEqual(['A key turned invalid']))
    const [shown] = vi.mocked(Notification).mock.instances as unknown as {
      options: { body: string }
    }[]
    expect(shown!.options.body).toMatch(/^sk-…\S+ was rejected/)
    expect(shown!.options.body).not.toContain('0123456789') // never the secret (S3)
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 2))
    expect(refresh).toHaveBeenCalledOnce()
    expect(titles()).toHaveLength(1)
  })

  it('the last key leaving gives red and "no usable key"; a burst is one refresh', async () => {
    const ids = await start(3)
    for (const id of ids) core.keys.transition(id, 'exhausted', { reason: 'quota' })
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledOnce())
    expect(tray.currentHealth).toBe('red')
    await vi.waitFor(() =>
      expect(titles().sort()).toEqual(['3 keys ran out of quota', 'No usable key']),
    )
    // Recovery within the interval waits for it, then refreshes once.
    core.keys.transition(ids[0]!, 'active', { reason: 'validation succeeded' })
    core.keys.transition(ids[1]!, 'active', { reason: 'validation succeeded' })
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS / 3))
    expect(refresh).toHaveBeenCalledOnce()
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(2))
    expect(tray.currentHealth).toBe('amber')
    expect(titles()).toHaveLength(2) // turning active is no news
  })

  it('keys added or disabled refresh the tray', async () => {
    const [first] = await start(1)
    core.keys.setStatus(first!, 'disabled')
    await vi.waitFor(() => expect(tray.currentHealth).toBe('red'))
    core.keys.bulkAdd({ keys: 'sk-bridge-test-key-new-0123456789' })
    await vi.waitFor(() => expect(tray.currentHealth).toBe('green'))
    // Disabling is the user's choice: no key-failure notification, but requests would fail.
    await vi.waitFor(() => expect(titles()).toEqual(['No usable key']))
  })

  it('announces a sub-key expiring within a day, once', async () => {
    await start(1)
    const now = Date.now()
    const create = (name: string, expiresInMs: number) =>
      core.subKeys.create(
        subKeyCreateSchema.parse({ name, expiresAt: new Date(now + expiresInMs).toISOString() }),
      )
    create('ci', 5 * HOUR)
    create('later', 3 * 24 * HOUR)
    await vi.waitFor(() => expect(titles()).toEqual(['Sub-key “ci” expires soon']))
    bridge.checkExpiringSubKeys() // the hourly check: already told
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(titles()).toHaveLength(1)
  })

  it('"Validate invalid keys" starts a run over the invalid and exhausted keys', async () => {
    const [a, b] = await start(3)
    core.keys.transition(a!, 'invalid', { reason: '401' })
    core.keys.transition(b!, 'exhausted', { reason: 'quota' })
    const start_ = vi.spyOn(core.validation, 'start')
    await validateInvalidKeys(core)
    expect(start_).toHaveBeenCalledWith('invalid', { trigger: 'request' })
    expect(start_.mock.results[0]!.value).toMatchObject({ total: 2, joined: false })
    await core.validation.whenIdle()
  })
})
