import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer } from '../support/headless'
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream'
import { mockKey } from './validation-fixture'

/** The seed's `POST /api/validate_keys` and friends over real HTTP, against the mock upstream. */
let server: Awaited<ReturnType<typeof startTestServer>> | undefined
let mock: MockUpstream | undefined

afterEach(async () => {
  await server?.close(1_000)
  await mock?.close()
  server = undefined
  mock = undefined
})

interface Page {
  items: { id: number; state: string; models: string[] | null; requests: number }[]
}

async function setUp(): Promise<NonNullable<typeof server>> {
  mock = await startMockUpstream()
  server = await startTestServer()
  const { api } = server
  expect(
    await api('PATCH', '/api/settings', { validation: { onAdd: false, scheduleMinutes: 0 } }),
  ).toMatchObject({ status: 200 })
  expect(await api('PATCH', '/api/providers/1', { baseUrl: mock.url })).toMatchObject({
    status: 200,
  })
  const keys = ['one', 'two', 'three'].map(mockKey).join('\n')
  expect(await api('POST', '/api/keys/bulk', { keys })).toMatchObject({ body: { added: 3 } })
  return server
}

const states = async (target: NonNullable<typeof server>): Promise<Record<number, string>> => {
  const page = (await target.api('GET', '/api/keys/paginated?page_size=50')).body as Page
  return Object.fromEntries(page.items.map((item) => [item.id, item.state]))
}

describe('POST /api/validate_keys (seed route)', () => {
  it('validates all keys in the background and answers {runId, total} at once', async () => {
    const { api, core } = await setUp()
    mock!.script(mockKey('two'), 'unauthorized')
    const started = await api('POST', '/api/validate_keys', { scope: 'all' })
    expect(started.status).toBe(200)
    expect(started.body).toEqual({ runId: expect.any(String), total: 3, joined: false })
    await core.validation.whenIdle()

    expect(await states(server!)).toEqual({ 1: 'active', 2: 'invalid', 3: 'active' })
    const status = await api('GET', '/api/validate_keys')
    expect(status.body).toMatchObject({
      runId: (started.body as { runId: string }).runId,
      total: 3,
      done: 3,
      active: 2,
      invalid: 1,
      finished: true,
    })
    const page = (await api('GET', '/api/keys/paginated?page_size=50')).body as Page
    expect(page.items.every((item) => item.requests === 0)).toBe(true)
    expect(page.items.find((item) => item.id === 1)!.models).toEqual(
      expect.arrayContaining(['gpt-4o-mini']),
    )
  })

  it('takes "invalid" and a list of ids as the scope, and refuses anything else', async () => {
    const { api, core } = await setUp()
    core.keys.transition(3, 'invalid', { reason: 'old 401' })
    expect((await api('POST', '/api/validate_keys', { scope: 'invalid' })).body).toMatchObject({
      total: 1,
    })
    await core.validation.whenIdle()
    expect(mock!.countFor(mockKey('three'))).toBe(1)
    expect((await states(server!))[3]).toBe('active')

    expect((await api('POST', '/api/validate_keys', { scope: [1, 2, 99] })).body).toMatchObject({
      total: 2,
    })
    await core.validation.whenIdle()
    for (const bad of [
      {},
      { scope: 'some' },
      { scope: [] },
      { scope: [0] },
      { scope: 'all', x: 1 },
    ]) {
      const refused = await api('POST', '/api/validate_keys', bad)
      expect(refused.status).toBe(400)
      expect(refused.body).toMatchObject({ error: { code: 'invalid_input' } })
    }
    expect((await api('POST', '/api/validate_keys', { scope: 'all', providerId: 9 })).status).toBe(
      404,
    )
  })

  it('cancels over HTTP and streams validation.progress on /api/events', async () => {
    const { api, url, adminToken } = await setUp()
    for (const name of ['one', 'two', 'three']) mock!.script(mockKey(name), 'hang')
    const stream = new AbortController()
    const events = await fetch(`${url}/api/events`, {
      headers: { authorization: `Bearer ${adminToken.token}` },
      signal: stream.signal,
    })
    const reader = events.body!.getReader()
    const started = await api('POST', '/api/validate_keys', { scope: 'all' })
    const { runId } = started.body as { runId: string }
    const cancelled = await api('POST', '/api/validate_keys/cancel', { runId })
    expect(cancelled.body).toEqual({ cancelled: true, runId })

    let text = ''
    const decoder = new TextDecoder()
    while (!text.includes('"finished":true')) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    stream.abort()
    expect(text).toContain('event: validation.progress')
    expect(text).toContain(`"runId":"${runId}"`)
    expect(text).toMatch(/"finished":true,"cancelled":true/)
    expect(await states(server!)).toEqual({ 1: 'active', 2: 'active', 3: 'active' })
  })
})
