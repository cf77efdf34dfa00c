import { Notification } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  DesktopNotifier,
  type DesktopNotifierOptions,
  type NotificationToggles,
} from '../../../src/main/desktop-notifier'
import { keyFailureText, subKeyExpiringText } from '../../../src/main/notification-text'
import { ZERO_KEY_COUNTS, type PoolHealthInput } from '../../../src/main/pool-health'

interface ShownNotification {
  options: { title: string; body: string; icon?: string }
  show: ReturnType<typeof vi.fn>
  emit(event: string): void
}

const shown = (): ShownNotification['options'][] =>
  (vi.mocked(Notification).mock.instances as unknown as ShownNotification[])
    .filter((n) => n.show.mock.calls.length > 0)
    .map((n) => n.options)

function setup(options: Partial<DesktopNotifierOptions> = {}) {
  const toggles: NotificationToggles = { keyFailed: true, poolEmpty: true, subKeyExpiring: true }
  const notifier = new DesktopNotifier({
    toggles: () => toggles,
    clock: { now: () => Date.now() },
    windowMs: 60_000,
    settleMs: 2_000,
    ...options,
  })
  return { notifier, toggles }
}

const pool = (active: number, total: number): PoolHealthInput => ({
  proxyRunning: true,
  counts: { ...ZERO_KEY_COUNTS, active, invalid: total - active, total },
  requestsLastMinute: 0,
  errorsLastMinute: 0,
})

beforeEach(() => {
  vi.clearAllMocks()
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 21, 12) })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('DesktopNotifier', () => {
  it('turns a burst of key failures into one notification', async () => {
    const { notifier } = setup()
    notifier.keyFailed({ keyId: 1, label: 'OpenAI sk-…a1b2', state: 'invalid' })
    notifier.keyFailed({ keyId: 2, label: 'OpenAI sk-…c3d4', state: 'invalid' })
    notifier.keyFailed({ keyId: 3, label: 'Groq gsk-…e5f6', state: 'invalid' })
    expect(shown()).toEqual([])
    await vi.advanceTimersByTimeAsync(2_000)
    expect(shown()).toEqual([
      { title: '3 keys turned invalid', body: 'OpenAI sk-…a1b2, OpenAI sk-…c3d4, Groq gsk-…e5f6' },
    ])
  })

  it('shows at most one key notification a minute, then a summary', async () => {
    const { notifier } = setup()
    notifier.keyFailed({ keyId: 1, label: 'key one', state: 'invalid' })
    await vi.advanceTimersByTimeAsync(2_000)
    for (let id = 2; id <= 6; id++) {
      notifier.keyFailed({ keyId: id, label: `key ${id}`, state: 'exhausted' })
      await vi.advanceTimersByTimeAsync(5_000)
    }
    expect(shown()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(shown()).toHaveLength(2)
    expect(shown()[1]).toEqual({
      title: '5 keys ran out of quota',
      body: 'key 2, key 3, key 4 and 2 more',
    })
  })

  it('respects each kind’s switch, read when the event arrives and again at release', async () => {
    const { notifier, toggles } = setup()
    toggles.keyFailed = false
    notifier.keyFailed({ keyId: 1, label: 'a', state: 'invalid' })
    toggles.keyFailed = true
    notifier.poolEmpty()
    toggles.poolEmpty = false
    await vi.advanceTimersByTimeAsync(5_000)
    expect(shown()).toEqual([])
  })

  it('notifies an empty pool on the transition only', async () => {
    const { notifier } = setup()
    notifier.observePool(pool(0, 2)) // started red: the icon says it, no notification
    notifier.observePool(pool(2, 2))
    notifier.observePool(pool(0, 2))
    notifier.observePool(pool(0, 2))
    await vi.advanceTimersByTimeAsync(2_000)
    expect(shown()).toEqual([
      {
        title: 'No usable key',
        body: 'Requests through KeyPool will fail until a key recovers or you add one.',
      },
    ])
  })

  it('tells about an expiring sub-key once per expiry', async () => {
    const { notifier } = setup()
    const expiresAt = Date.now() + 5 * 3_600_000
    notifier.subKeyExpiring({ id: 7, name: 'ci', expiresAt })
    notifier.subKeyExpiring({ id: 7, name: 'ci', expiresAt })
    await vi.advanceTimersByTimeAsync(120_000)
    notifier.subKeyExpiring({ id: 7, name: 'ci', expiresAt })
    await vi.advanceTimersByTimeAsync(120_000)
    expect(shown()).toEqual([
      { title: 'Sub-key “ci” expires soon', body: 'It stops working in about 5 hours.' },
    ])
  })

  it('says once that the app keeps running in the tray, and persists that it did', () => {
    const onTrayNoticeShown = vi.fn()
    const { notifier } = setup({ onTrayNoticeShown })
    expect(notifier.closedToTray()).toBe(true)
    expect(notifier.closedToTray()).toBe(false)
    expect(onTrayNoticeShown).toHaveBeenCalledOnce()
    expect(shown()[0]!.title).toBe('KeyPool keeps running in the tray')
    expect(setup({ trayNoticeShown: true }).notifier.closedToTray()).toBe(false)
  })

  it('opens the window on click and passes the icon', async () => {
    const onClick = vi.fn()
    const { notifier } = setup({ onClick, iconPath: '/r/icon.png' })
    notifier.poolEmpty()
    await vi.advanceTimersByTimeAsync(2_000)
    const instance = vi.mocked(Notification).mock.instances[0] as unknown as ShownNotification
    expect(instance.options.icon).toBe('/r/icon.png')
    instance.emit('click')
    expect(onClick).toHaveBeenCalledOnce()
  })

  it('shows nothing where notifications are unsupported, and nothing after dispose', async () => {
    vi.mocked(Notification.isSupported).mockReturnValueOnce(false)
    const { notifier } = setup()
    expect(notifier.closedToTray()).toBe(false)
    notifier.poolEmpty()
    notifier.dispose()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(Notification).not.toHaveBeenCalled()
  })
})

describe('notification texts', () => {
  it('describe single and mixed key failures', () => {
    expect(keyFailureText([{ keyId: 1, label: 'sk-…a1b2', state: 'invalid' }])).toEqual({
      title: 'A key turned invalid',
      body: 'sk-…a1b2 was rejected and left the pool.',
    })
    expect(keyFailureText([{ keyId: 1, label: 'sk-…a1b2', state: 'exhausted' }]).title).toBe(
      'A key ran out of quota',
    )
    expect(
      keyFailureText([
        { keyId: 1, label: 'a', state: 'invalid' },
        { keyId: 2, label: 'b', state: 'exhausted' },
        { keyId: 3, label: 'c', state: 'invalid' },
      ]),
    ).toEqual({ title: '3 keys left the pool', body: '2 invalid, 1 exhausted: a, b, c' })
  })

  it('summarise several expiring sub-keys', () => {
    const now = Date.now()
    expect(
      subKeyExpiringText(
        [
          { id: 1, name: 'ci', expiresAt: now + 3_600_000 },
          { id: 2, name: 'ide', expiresAt: now + 7_200_000 },
        ],
        now,
      ),
    ).toEqual({ title: '2 sub-keys expire within a day', body: '“ci”, “ide”' })
    expect(subKeyExpiringText([{ id: 1, name: 'x', expiresAt: now + 60_000 }], now).body).toBe(
      'It stops working in about 1 hour.',
    )
  })
})
