import { Agent, type Dispatcher } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { Cancellation } from '../../../../src/core/proxy/cancellation'
import {
  UpstreamExchange,
  type BodySink,
  type HeadListener,
  type UpstreamHead,
} from '../../../../src/core/proxy/upstream-exchange'
import { startMockUpstream, type MockUpstream } from '../../../support/mock-upstream'

/** The exchange over real loopback HTTP against the mock, one connection so requests queue. */
let mock: MockUpstream | undefined
let agent: Agent | undefined

afterEach(async () => {
  await agent?.destroy()
  await mock?.close().catch(() => undefined)
  agent = mock = undefined
})

async function setUp(): Promise<{ mock: MockUpstream; agent: Agent }> {
  mock = await startMockUpstream({ splitUtf8: false })
  agent = new Agent({ connections: 1, pipelining: 1 })
  return { mock, agent }
}

function chat(key: string, stream = false) {
  return {
    origin: new URL(mock!.url).origin,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }),
  }
}

/** `UpstreamExchange.send` with the head its listener is told as a promise. */
function send(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  cancellation: Cancellation,
): UpstreamExchange & { head: Promise<UpstreamHead> } {
  let listener!: HeadListener
  const head = new Promise<UpstreamHead>((resolve, reject) => {
    listener = {
      headReceived: (_exchange, head) => resolve(head),
      headFailed: (_e, error) => reject(error),
    }
  })
  return Object.assign(UpstreamExchange.send(dispatcher, options, cancellation, listener), { head })
}

/** Collects a body; `full` makes the sink refuse more until resumed. */
function collector(): BodySink & { text(): string; done: Promise<'end' | Error> } {
  const chunks: Buffer[] = []
  let settle!: (value: 'end' | Error) => void
  const done = new Promise<'end' | Error>((resolve) => (settle = resolve))
  return {
    data: (chunk) => (chunks.push(chunk), true),
    end: () => settle('end'),
    error: (error) => settle(error),
    text: () => Buffer.concat(chunks).toString('utf8'),
    done,
  }
}

describe('UpstreamExchange', () => {
  it('delivers the head, then the body held meanwhile and the rest', async () => {
    const { agent } = await setUp()
    const exchange = send(agent, chat('sk-a', true), new Cancellation())
    const head = await exchange.head
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-type']).toContain('text/event-stream')
    const sink = collector()
    exchange.pipe(sink)
    expect(await sink.done).toBe('end')
    expect(sink.text()).toContain('data: [DONE]')
  })

  it('pauses while the sink is full and resumes on request', async () => {
    const { agent } = await setUp()
    const exchange = send(agent, chat('sk-a', true), new Cancellation())
    await exchange.head
    let accepted = 0
    let ended = false
    exchange.pipe({
      data: () => (accepted++, false),
      end: () => (ended = true),
      error: () => undefined,
    })
    // Let any chunk already on its way arrive: a paused exchange takes no more.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const whilePaused = accepted
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(accepted).toBe(whilePaused)
    expect(ended).toBe(false)
    for (let i = 0; i < 200 && !ended; i++) {
      exchange.resume()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(ended).toBe(true)
    expect(accepted).toBeGreaterThan(whilePaused)
  })

  it('rejects the head at once when aborted while queued, and never sends that request', async () => {
    const { mock, agent } = await setUp()
    mock.script('sk-slow', { kind: 'delay', ms: 300 })
    const slow = send(agent, chat('sk-slow'), new Cancellation())
    const cancellation = new Cancellation()
    const queued = send(agent, chat('sk-queued'), cancellation)
    const started = performance.now()
    cancellation.abort()
    await expect(queued.head).rejects.toBeInstanceOf(Error)
    expect(performance.now() - started).toBeLessThan(100)
    const sink = collector()
    slow.pipe(sink)
    await slow.head
    expect(await sink.done).toBe('end')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(mock.countFor('sk-queued')).toBe(0)
    expect(mock.countFor('sk-slow')).toBe(1)
  })

  it('tells the sink about an abort after the head, and frees the upstream', async () => {
    const { mock, agent } = await setUp()
    mock.script('sk-stall', { kind: 'stall-mid-stream', afterChunks: 2 })
    const cancellation = new Cancellation()
    const exchange = send(agent, chat('sk-stall', true), cancellation)
    await exchange.head
    const sink = collector()
    exchange.pipe(sink)
    cancellation.abort()
    expect(await sink.done).toBeInstanceOf(Error)
    await mock.waitForIdle(1_000)
    expect(mock.openRequests()).toBe(0)
  })

  it('rejects the head with the network error when the upstream is unreachable', async () => {
    const { mock, agent } = await setUp()
    const origin = new URL(mock.url).origin
    await mock.close()
    const exchange = send(agent, { ...chat('sk-a'), origin }, new Cancellation())
    await expect(exchange.head).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
