import path from 'node:path'
import Database from 'better-sqlite3'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { KeyBehaviour } from '../support/mock-upstream'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

let harness: ProxyHarness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const chat = (stream: boolean) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream })

const tcpHandles = (): number =>
  process
    .getActiveResourcesInfo()
    .filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap').length

async function settle(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now()
  while (!check() && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('no leaks under errors (P8)', () => {
  it('leaves no open upstream request, socket or handle after 1,000 requests with 30% errors', async () => {
    const baseline = tcpHandles()
    harness = await startProxyHarness()
    const h = harness
    await h.addKeys(upstreamKeys(4, 'leak'))
    const mix: KeyBehaviour[] = [
      'server-error',
      'ok',
      'ok',
      'bad-request',
      'ok',
      'ok',
      { kind: 'reset-mid-stream', afterChunks: 1 },
      'ok',
      'ok',
      'ok',
    ]
    h.mock.setDefault((recorded) => mix[recorded.seq % mix.length]!)
    const { secret } = await h.subKey()
    const client = new Agent({ connections: 32 })
    const statuses = new Map<string, number>()
    const one = async (i: number) => {
      let outcome: string
      try {
        const answer = await request(`${h.baseURL}/chat/completions`, {
          dispatcher: client,
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: chat(i % 2 === 0),
        })
        await answer.body.text()
        outcome = String(answer.statusCode)
      } catch {
        outcome = 'cut'
      }
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1)
    }
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => one(batch * 50 + k)))
    }
    const total = [...statuses.values()].reduce((sum, n) => sum + n, 0)
    expect(total).toBe(1_000)
    expect(statuses.get('200')).toBeGreaterThan(700)
    await h.mock.waitForIdle(1_000)
    expect(h.server.core.proxy.inFlight.size).toBe(0)
    expect(h.mock.openConnections()).toBeLessThanOrEqual(4 * 32)
    await client.close()
    await h.close()
    harness = undefined
    await settle(() => tcpHandles() <= baseline)
    expect(tcpHandles()).toBe(baseline)
  }, 30_000)
})

describe('graceful stop (P9)', () => {
  it('lets a running stream finish, cuts what passes the deadline, and flushes counters', async () => {
    harness = await startProxyHarness()
    const h = harness
    const [slow, stuck] = upstreamKeys(2, 'stop') as [string, string]
    const [slowId] = await h.addKeys([slow, stuck])
    h.mock.script(slow, { kind: 'delay', ms: 150 })
    h.mock.script(stuck, 'hang')
    const { secret } = await h.subKey()
    const send = () =>
      fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: chat(true),
      }).then(
        async (response) => ({ status: response.status, text: await response.text() }),
        () => ({ status: 0, text: '' }),
      )
    const finishing = send()
    const hanging = send()
    await settle(() => h.mock.openRequests() === 2)
    const started = Date.now()
    await h.server.close(400)
    const took = Date.now() - started
    harness = undefined
    expect(took).toBeGreaterThanOrEqual(300)
    expect(took).toBeLessThan(3_000)
    const done = await finishing
    expect(done.status).toBe(200)
    expect(done.text).toContain('[DONE]')
    const cut = await hanging
    expect(cut.status === 0 || cut.status >= 500).toBe(true)
    await h.mock.waitForIdle(1_000)
    await h.mock.close()

    const db = new Database(path.join(h.dataDir, 'keypool.db'), { readonly: true })
    try {
      const row = db
        .prepare('SELECT requests, successes, tokens FROM upstream_keys WHERE id = ?')
        .get(slowId) as { requests: number; successes: number; tokens: number }
      expect(row.requests).toBe(1)
      expect(row.successes).toBe(1)
      expect(row.tokens).toBeGreaterThan(0)
    } finally {
      db.close()
    }
  })
})
