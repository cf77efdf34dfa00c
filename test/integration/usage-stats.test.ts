import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LogPage, StatsSeries, StatsSummary, SubKeyUsage } from '../../src/shared/contract'
import { chatPromptChars, expectedTokens } from '../support/mock-content'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

let harness: ProxyHarness
let client: OpenAI
let subKeyId: number
let keyId: number
/** Chunks of a stream whose client did not ask for usage: the baseline for the next test. */
let plainChunks = 0
const [upstream] = upstreamKeys(1, 'stats')

beforeAll(async () => {
  harness = await startProxyHarness()
  ;[keyId] = (await harness.addKeys([upstream!])) as [number]
  const issued = await harness.subKey({ name: 'ide' })
  subKeyId = issued.id
  client = new OpenAI({ baseURL: harness.baseURL, apiKey: issued.secret, maxRetries: 0 })
})

afterAll(async () => {
  await harness?.close()
})

const get = async <T>(path: string): Promise<T> => {
  const answer = await harness.api('GET', path)
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return answer.body as T
}

const latestLog = async () => (await get<LogPage>('/api/logs?page_size=1')).items[0]!

const messages = [{ role: 'user' as const, content: 'Count my streamed tokens, please' }]
const tokens = expectedTokens(chatPromptChars({ messages }), 20)

describe('usage accounting through the proxy (issue 5)', () => {
  it('records the exact tokens of a stream whose client did not ask for usage, adding no chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
    })
    let chunks = 0
    let usageChunks = 0
    for await (const chunk of stream) {
      chunks++
      if (chunk.usage) usageChunks++
    }
    expect(usageChunks).toBe(0)
    plainChunks = chunks
    expect(await latestLog()).toMatchObject({
      subKeyId,
      subKeyName: 'ide',
      keyId,
      // No label: the masked key, never the secret.
      keyName: `${upstream!.slice(0, upstream!.indexOf('-') + 1)}…${upstream!.slice(-4)}`,
      providerId: harness.providerId,
      model: 'gpt-4o-mini',
      method: 'POST',
      endpoint: '/v1/chat/completions',
      status: 200,
      outcome: 'success',
      errorCode: null,
      streamed: true,
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      cachedTokens: tokens.cached,
      reasoningTokens: tokens.reasoning,
      totalTokens: tokens.total,
      attempts: 1,
    })
  })

  it('hands the usage chunk unchanged to a client that asked, and records the same tokens', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
    const usages: unknown[] = []
    let chunks = 0
    for await (const chunk of stream) {
      chunks++
      if (chunk.usage) usages.push(chunk.usage)
    }
    // The same stream plus exactly one chunk: the usage chunk the other client never saw.
    expect(chunks).toBe(plainChunks + 1)
    expect(usages).toEqual([
      {
        prompt_tokens: tokens.prompt,
        completion_tokens: tokens.completion,
        total_tokens: tokens.total,
        prompt_tokens_details: { cached_tokens: tokens.cached, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: tokens.reasoning,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
    ])
    const row = await latestLog()
    expect(row.totalTokens).toBe(tokens.total)
    expect(row.bytesOut).toBeGreaterThan(0)
    expect(row.ttfbMs).not.toBeNull()
  })

  it('logs a refused request with its error code, and counts it as an error', async () => {
    const before = await get<StatsSummary>('/api/stats')
    const narrow = await harness.subKey({ name: 'narrow', allowModels: ['gpt-4o'] })
    const refused = new OpenAI({ baseURL: harness.baseURL, apiKey: narrow.secret, maxRetries: 0 })
    await expect(
      refused.chat.completions.create({ model: 'gpt-4o-mini', messages }),
    ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(await latestLog()).toMatchObject({
      subKeyId: narrow.id,
      status: 403,
      outcome: 'client_error',
      errorCode: 'model_not_allowed',
      keyId: null,
      attempts: 0,
    })
    const after = await get<StatsSummary>('/api/stats')
    expect(after.requests.lastMinute).toBe(before.requests.lastMinute + 1)
    expect(after.errors.lastMinute).toBe(before.errors.lastMinute + 1)
  })

  it('answers GET /api/stats with exactly the documented windows', async () => {
    const summary = await get<StatsSummary>('/api/stats')
    expect(Object.keys(summary.requests).sort()).toEqual([
      'last24h',
      'lastHour',
      'lastMinute',
      'total',
    ])
    expect(summary.requests).toEqual({ lastMinute: 3, lastHour: 3, last24h: 3, total: 3 })
    expect(summary.errors).toEqual({ lastMinute: 1, lastHour: 1, last24h: 1, total: 1 })
    expect(summary.tokens.total).toBe(2 * tokens.total)
    expect(summary.keys).toEqual({
      active: 1,
      cooling: 0,
      exhausted: 0,
      invalid: 0,
      disabled: 0,
      total: 1,
    })
    expect(summary.usableKeys).toBe(1)
    expect(summary.successRate.total).toBeCloseTo(2 / 3)
  })

  it('charts the requests by outcome, model and sub-key, with latency', async () => {
    const byOutcome = await get<StatsSeries>('/api/stats/series?range=1h&groupBy=outcome')
    expect(byOutcome.times).toHaveLength(60)
    expect(byOutcome.bucketSeconds).toBe(60)
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
    const outcome = (key: string) => byOutcome.groups.find((group) => group.key === key)!
    expect(sum(outcome('success').requests)).toBe(2)
    expect(sum(outcome('client_error').requests)).toBe(1)
    expect(sum(byOutcome.totals.tokens)).toBe(2 * tokens.total)
    expect(byOutcome.latency.p50.some((value) => value !== null)).toBe(true)

    const byModel = await get<StatsSeries>('/api/stats/series?range=24h&groupBy=model')
    expect(byModel.times).toHaveLength(24)
    expect(byModel.groups.map((group) => [group.key, sum(group.requests)])).toEqual([
      ['gpt-4o-mini', 3],
    ])
    const bySubKey = await get<StatsSeries>('/api/stats/series?range=30d&groupBy=subKey')
    expect(bySubKey.groups.find((group) => group.key === String(subKeyId))?.label).toBe('ide')
  })

  it('reports usage per sub-key by model and per key', async () => {
    const subKeys = await get<SubKeyUsage[]>('/api/stats/sub-keys?range=all')
    expect(subKeys.find((item) => item.subKeyId === subKeyId)).toMatchObject({
      name: 'ide',
      requests: 2,
      successes: 2,
      errors: 0,
      tokens: {
        prompt: 2 * tokens.prompt,
        completion: 2 * tokens.completion,
        cached: 2 * tokens.cached,
        reasoning: 2 * tokens.reasoning,
        total: 2 * tokens.total,
      },
      models: [{ model: 'gpt-4o-mini', requests: 2, tokens: 2 * tokens.total }],
    })
    const keys = await get<{ keyId: number; requests: number; masked: string }[]>(
      '/api/stats/keys?range=24h',
    )
    expect(keys).toEqual([expect.objectContaining({ keyId, requests: 2 })])
  })

  it('filters the log by sub-key and outcome', async () => {
    const page = await get<LogPage>(`/api/logs?sub_key_id=${subKeyId}&outcome=success`)
    expect(page.total).toBe(2)
    expect(page.items.every((item) => item.subKeyId === subKeyId)).toBe(true)
    const none = await get<LogPage>('/api/logs?outcome=upstream_error')
    expect(none).toMatchObject({ total: 0, items: [] })
  })

  it('never counts validation traffic', async () => {
    const before = await get<StatsSummary>('/api/stats')
    const mockBefore = harness.mock.count()
    const run = await harness.api('POST', '/api/validate_keys', { scope: 'all' })
    expect(run.status).toBe(200)
    for (let i = 0; i < 100; i++) {
      const status = await get<{ finished: boolean } | null>('/api/validate_keys')
      if (status?.finished) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(harness.mock.count()).toBeGreaterThan(mockBefore)
    const after = await get<StatsSummary>('/api/stats')
    expect(after.requests).toEqual(before.requests)
    expect((await get<LogPage>('/api/logs')).total).toBe(before.requests.total)
  })

  it('refuses a sub-key once its token budget is used, from this accounting', async () => {
    const budget = await harness.subKey({ name: 'budget', tokenBudget: 1 })
    const limited = new OpenAI({ baseURL: harness.baseURL, apiKey: budget.secret, maxRetries: 0 })
    await limited.chat.completions.create({ model: 'gpt-4o-mini', messages })
    const error = await limited.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('token_budget_exhausted')
  })

  it('pushes stats.changed after requests, at most about once a second', async () => {
    const seen: StatsSummary[] = []
    const off = harness.server.core.events.on('stats.changed', (summary) => seen.push(summary))
    try {
      for (let i = 0; i < 5; i++) {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
      }
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      expect(seen.length).toBeGreaterThanOrEqual(1)
      expect(seen.length).toBeLessThanOrEqual(3)
      const latest = await get<StatsSummary>('/api/stats')
      expect(seen.at(-1)!.requests.total).toBe(latest.requests.total)
    } finally {
      off()
    }
  })

  it('logs an upstream that breaks off a stream as an upstream error, and a client that leaves as cancelled', async () => {
    harness.mock.script(upstream!, { kind: 'reset-mid-stream', afterChunks: 3 })
    const broken = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
    })
    // How the SDK surfaces the closing error event is its business; the log is ours.
    await (async () => {
      for await (const chunk of broken) void chunk
    })().catch(() => undefined)
    expect(await latestLog()).toMatchObject({
      status: 200,
      outcome: 'upstream_error',
      errorCode: 'upstream_unreachable',
      streamed: true,
      keyId,
    })

    harness.mock.script(upstream!, { kind: 'stall-mid-stream', afterChunks: 2 })
    const controller = new AbortController()
    const stalled = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { signal: controller.signal },
    )
    let received = 0
    await (async () => {
      for await (const chunk of stalled) {
        void chunk
        if (++received === 2) controller.abort()
      }
    })().catch(() => undefined)
    expect(received).toBe(2)
    let last = await latestLog()
    for (let i = 0; i < 50 && last.outcome !== 'cancelled'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      last = await latestLog()
    }
    expect(last).toMatchObject({ status: 200, outcome: 'cancelled', errorCode: 'client_closed' })
    harness.mock.script(upstream!, 'ok')
  })
})
