import http from 'node:http'
import OpenAI, { APIError, APIUserAbortError, toFile } from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_MODELS,
  expectedTokens,
  mockEmbedding,
  mockSpeechBytes,
  mockText,
  startMockUpstream,
  type MockUpstream,
} from '../support/mock-upstream'

const KEY = 'sk-test-mock-key-0123456789abcdef'
const MESSAGES = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Say hello to the mock upstream' },
]
/** 'Be brief.' (9) + 'Say hello to the mock upstream' (30) characters. */
const PROMPT_CHARS = 39

let mock: MockUpstream

beforeAll(async () => {
  mock = await startMockUpstream()
})

afterAll(async () => {
  await mock.close()
})

afterEach(() => {
  mock.reset()
})

/** The official client, without its retries so each scripted failure is seen once. */
function client(key = KEY): OpenAI {
  return new OpenAI({ baseURL: mock.url, apiKey: key, maxRetries: 0, timeout: 5_000 })
}

/** The rejection of a promise, typed as the SDK's APIError. */
async function apiError(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof APIError) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

/** A raw POST that keeps every body read separately, to see how bytes were split. */
function rawPost(
  path: string,
  body: unknown,
  key = KEY,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; reads: Buffer[] }> {
  const url = new URL(`${mock.url}${path}`)
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      },
      (response) => {
        const reads: Buffer[] = []
        response.on('data', (chunk: Buffer) => reads.push(chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, reads }),
        )
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(JSON.stringify(body))
  })
}

describe('mock upstream: endpoints through the official openai client', () => {
  it('answers a chat completion with the model echoed and exact usage', async () => {
    const completion = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
    })
    const tokens = expectedTokens(PROMPT_CHARS, 20)
    expect(completion.object).toBe('chat.completion')
    expect(completion.model).toBe('gpt-4o-mini')
    expect(completion.choices[0]?.message.content).toBe(mockText(20))
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 20,
      total_tokens: 30,
      prompt_tokens_details: { cached_tokens: 5, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 5,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    })
    expect(tokens).toEqual({ prompt: 10, completion: 20, total: 30, cached: 5, reasoning: 5 })

    expect(mock.countFor(KEY)).toBe(1)
    const [seen] = mock.requests
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      key: KEY,
      model: 'gpt-4o-mini',
      status: 200,
      finished: true,
    })
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(seen?.bodyBytes).toBe(seen?.body?.length)
    expect(JSON.parse(seen?.body?.toString() ?? '{}')).toMatchObject({ messages: MESSAGES })
  })

  it('limits the completion with max_tokens and reports finish_reason length', async () => {
    const completion = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      max_tokens: 1,
    })
    expect(completion.choices[0]?.message.content).toBe(mockText(1))
    expect(completion.choices[0]?.finish_reason).toBe('length')
    expect(completion.usage?.completion_tokens).toBe(1)
  })

  it('streams a chat completion without a usage chunk unless asked', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
    })
    let text = ''
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
    for await (const chunk of stream) {
      chunks.push(chunk)
      text += chunk.choices[0]?.delta.content ?? ''
    }
    expect(text).toBe(mockText(20))
    // Role chunk, 20 content chunks, finish chunk.
    expect(chunks).toHaveLength(22)
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true)
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks[0]?.model).toBe('gpt-4o')
  })

  it('streams the usage chunk last when stream_options.include_usage is set', async () => {
    const response = await client()
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse()
    expect(response.response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
    for await (const chunk of response.data) chunks.push(chunk)
    const last = chunks.at(-1)
    expect(last?.choices).toEqual([])
    expect(last?.usage).toMatchObject({
      prompt_tokens: 10,
      completion_tokens: 20,
      total_tokens: 30,
      prompt_tokens_details: { cached_tokens: 5 },
      completion_tokens_details: { reasoning_tokens: 5 },
    })
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true)
  })

  it('splits a multi-byte UTF-8 character across two writes, and it arrives intact', async () => {
    const { status, headers, reads } = await rawPost('/chat/completions', {
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    })
    expect(status).toBe(200)
    expect(headers['content-type']).toMatch(/^text\/event-stream/)
    const whole = Buffer.concat(reads).toString('utf8')
    expect(whole).not.toContain('\uFFFD')
    expect(whole).toContain('"content":" 你好"')
    expect(whole.endsWith('data: [DONE]\n\n')).toBe(true)
    // At least one read on its own is not valid UTF-8: it ends inside a character.
    const strict = new TextDecoder('utf-8', { fatal: true })
    const broken = reads.filter((read) => {
      try {
        strict.decode(read)
        return false
      } catch {
        return true
      }
    })
    expect(broken.length).toBeGreaterThan(0)
  })

  it('answers a legacy completion', async () => {
    const completion = await client().completions.create({
      model: 'gpt-4o-mini',
      prompt: 'abcdefgh',
    })
    expect(completion.object).toBe('text_completion')
    expect(completion.choices[0]?.text).toBe(mockText(20))
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 20 })
  })

  it('returns embeddings, base64 by default in the client, as exact floats', async () => {
    const result = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: ['first input', 'second'],
    })
    expect(JSON.parse(mock.requests[0]?.body?.toString() ?? '{}').encoding_format).toBe('base64')
    expect(result.data).toHaveLength(2)
    expect(Array.from(result.data[0]?.embedding ?? [])).toEqual(mockEmbedding('first input', 0))
    expect(Array.from(result.data[1]?.embedding ?? [])).toEqual(mockEmbedding('second', 1))
    expect(result.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 })

    const floats = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: 'first input',
      encoding_format: 'float',
      dimensions: 4,
    })
    expect(floats.data[0]?.embedding).toEqual(mockEmbedding('first input', 0, 4))
  })

  it('moderates each input', async () => {
    const result = await client().moderations.create({ input: ['fine', 'FLAG this'] })
    expect(result.results.map((entry) => entry.flagged)).toEqual([false, true])
    expect(result.model).toBe('omni-moderation-latest')
  })

  it('transcribes a multipart upload and names the file and its size', async () => {
    const file = await toFile(Buffer.from('sixteen bytes!!!'), 'clip.mp3', { type: 'audio/mpeg' })
    const result = await client().audio.transcriptions.create({ file, model: 'whisper-1' })
    expect(result.text).toBe('transcribed clip.mp3 (16 bytes)')
    expect(mock.requests[0]?.model).toBe('whisper-1')
    expect(mock.requests[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
  })

  it('speaks binary audio/mpeg bytes', async () => {
    const input = 'Hello there'
    const response = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input })
    expect(response.headers.get('content-type')).toBe('audio/mpeg')
    const bytes = Buffer.from(await response.arrayBuffer())
    expect(bytes.equals(mockSpeechBytes(input))).toBe(true)
    expect(bytes.subarray(0, 3).toString()).toBe('ID3')
  })

  it('answers a Responses API request with usage and output_text', async () => {
    const response = await client().responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: 'Say hello to the mock upstream',
    })
    expect(response.object).toBe('response')
    expect(response.status).toBe('completed')
    expect(response.output_text).toBe(mockText(20))
    expect(response.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 5 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 30,
    })
  })

  it('streams a Responses API answer that the SDK stream helper accepts', async () => {
    const stream = client().responses.stream({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'Say hello to the mock upstream' }],
    })
    const deltas: string[] = []
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta))
    const final = await stream.finalResponse()
    expect(deltas).toHaveLength(20)
    expect(deltas.join('')).toBe(mockText(20))
    expect(final.output_text).toBe(mockText(20))
    expect(final.usage).toMatchObject({ input_tokens: 8, output_tokens: 20, total_tokens: 28 })

    const raw = await client().responses.create({
      model: 'gpt-4o-mini',
      input: 'hi',
      stream: true,
    })
    const types: string[] = []
    let usage: unknown
    for await (const event of raw) {
      types.push(event.type)
      if (event.type === 'response.completed') usage = event.response.usage
    }
    expect(types[0]).toBe('response.created')
    expect(types.at(-1)).toBe('response.completed')
    expect(types.filter((type) => type === 'response.output_text.delta')).toHaveLength(20)
    expect(types).toContain('response.output_text.done')
    expect(usage).toMatchObject({ input_tokens: 1, output_tokens: 20 })
  })

  it('lists the default models, or the models set for a key', async () => {
    const models = await client().models.list()
    expect(models.data.map((model) => model.id)).toEqual(DEFAULT_MODELS)
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'system' })

    mock.setModels('sk-other-key-000000000', ['deepseek-chat'])
    const other = await client('sk-other-key-000000000').models.list()
    expect(other.data.map((model) => model.id)).toEqual(['deepseek-chat'])
  })

  it('generates images and stores uploaded files', async () => {
    const image = await client().images.generate({ model: 'dall-e-3', prompt: 'a cat' })
    expect(image.data?.[0]?.url).toMatch(/^https:\/\//)

    const file = await toFile(Buffer.from('{"a":1}\n'), 'batch.jsonl')
    const uploaded = await client().files.create({ file, purpose: 'batch' })
    expect(uploaded).toMatchObject({ object: 'file', bytes: 8, filename: 'batch.jsonl' })
    const page = await client().files.list()
    expect(page.data.map((entry) => entry.id)).toEqual([uploaded.id])
  })

  it('answers unknown paths and missing keys with OpenAI-shaped errors', async () => {
    const notFound = await fetch(`${mock.url}/nope`, {
      headers: { authorization: `Bearer ${KEY}` },
    })
    expect(notFound.status).toBe(404)
    expect(await notFound.json()).toEqual({
      error: {
        message: 'Invalid URL (GET /v1/nope)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    })

    const noKey = await fetch(`${mock.url}/models`)
    expect(noKey.status).toBe(401)
    const wrongScheme = await fetch(`${mock.url}/models`, { headers: { authorization: KEY } })
    expect(wrongScheme.status).toBe(401)
    expect(mock.requests.map((request) => request.key)).toEqual([KEY, null, null])
  })
})

describe('mock upstream: scripted key behaviours', () => {
  const chat = (key = KEY): Promise<unknown> =>
    client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })

  it('401 invalid_api_key without echoing the key', async () => {
    mock.script(KEY, 'unauthorized')
    const error = await apiError(chat())
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_api_key')
    expect(error.type).toBe('invalid_request_error')
    expect(error.message).not.toContain(KEY)
  })

  it('403, 500, 502 and 400 in the OpenAI error shape', async () => {
    mock.script(KEY, ['forbidden', 'server-error', 'bad-gateway', 'bad-request'])
    expect((await apiError(chat())).status).toBe(403)
    const serverError = await apiError(chat())
    expect(serverError.status).toBe(500)
    expect(serverError.type).toBe('server_error')
    expect((await apiError(chat())).status).toBe(502)
    expect((await apiError(chat())).status).toBe(400)
    // The queue is empty: back to the default.
    await expect(chat()).resolves.toMatchObject({ object: 'chat.completion' })
    expect(mock.countFor(KEY)).toBe(5)
  })

  it('429 insufficient_quota', async () => {
    mock.script(KEY, 'quota')
    const error = await apiError(chat())
    expect(error.status).toBe(429)
    expect(error.code).toBe('insufficient_quota')
    expect(error.type).toBe('insufficient_quota')
    expect(error.headers?.get('retry-after')).toBeNull()
  })

  it('429 rate limit with retry-after and x-ratelimit-reset-requests', async () => {
    mock.script(KEY, [
      { kind: 'rate-limit', retryAfterSeconds: 7, resetRequests: '6m0s' },
      { kind: 'rate-limit' },
    ])
    const error = await apiError(chat())
    expect(error.status).toBe(429)
    expect(error.code).toBe('rate_limit_exceeded')
    expect(error.headers?.get('retry-after')).toBe('7')
    expect(error.headers?.get('x-ratelimit-reset-requests')).toBe('6m0s')
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0')

    const bare = await apiError(chat())
    expect(bare.status).toBe(429)
    expect(bare.headers?.get('retry-after')).toBeNull()
    expect(bare.headers?.get('x-ratelimit-reset-requests')).toBeNull()
  })

  it('rate-limit headers on success, per key', async () => {
    mock.setRemaining(KEY, { requests: 42, tokens: 1234 })
    const { response } = await client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })
      .withResponse()
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('42')
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe('1234')
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10000')
    expect(response.headers.get('set-cookie')).toContain('__cf_bm=')
  })

  it('applies a behaviour to every endpoint and only to the scripted key', async () => {
    mock.script('sk-bad-key-0000000000', 'unauthorized')
    expect((await apiError(client('sk-bad-key-0000000000').models.list())).status).toBe(401)
    await expect(client().models.list()).resolves.toBeDefined()
  })

  it('takes a picker function for per-request choices', async () => {
    mock.setDefault((request) => (request.path.endsWith('/models') ? 'server-error' : 'ok'))
    expect((await apiError(client().models.list())).status).toBe(500)
    await expect(chat()).resolves.toBeDefined()
  })

  it('hang: never answers, and an aborted client leaves no open request', async () => {
    mock.script(KEY, 'hang')
    const controller = new AbortController()
    const pending = client().chat.completions.create(
      { model: 'gpt-4o-mini', messages: MESSAGES },
      { signal: controller.signal },
    )
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    const start = Date.now()
    while (mock.openRequests() === 0 && Date.now() - start < 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(mock.openRequests()).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(mock.requests[0]?.status).toBeUndefined()
    controller.abort()
    expect(await outcome).toBeInstanceOf(APIUserAbortError)
    await mock.waitForIdle(1_000)
    expect(mock.openRequests()).toBe(0)
    expect(mock.requests[0]?.finished).toBe(false)
  })

  it('reset-mid-stream: the client gets the first events, then a broken stream', async () => {
    mock.script(KEY, { kind: 'reset-mid-stream', afterChunks: 3 })
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    })
    let text = ''
    let received = 0
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) {
        received++
        text += chunk.choices[0]?.delta.content ?? ''
      }
    }
    await expect(consume()).rejects.toThrow()
    expect(received).toBe(3)
    expect(text).toBe(mockText(2))
    await mock.waitForIdle(1_000)
    expect(mock.countFor(KEY)).toBe(1)
  })

  it('reset-mid-stream on a JSON answer truncates the body', async () => {
    mock.script(KEY, { kind: 'reset-mid-stream', afterChunks: 0 })
    await expect(chat()).rejects.toThrow()
    await mock.waitForIdle(1_000)
  })

  it('stall-mid-stream: aborting the client mid-stream frees the request', async () => {
    mock.script(KEY, { kind: 'stall-mid-stream', afterChunks: 2 })
    const controller = new AbortController()
    const stream = await client().chat.completions.create(
      { model: 'gpt-4o-mini', messages: MESSAGES, stream: true },
      { signal: controller.signal },
    )
    let received = 0
    const consume = (async () => {
      for await (const chunk of stream) {
        received += chunk.choices.length
        if (received === 2) setTimeout(() => controller.abort(), 50)
      }
    })().catch((error: unknown) => error)
    await consume
    expect(received).toBe(2)
    await mock.waitForIdle(1_000)
    expect(mock.openRequests()).toBe(0)
  })

  it('delay: answers after the given time', async () => {
    mock.script(KEY, { kind: 'delay', ms: 150 })
    const start = Date.now()
    await chat()
    expect(Date.now() - start).toBeGreaterThanOrEqual(140)
  })

  it('large-stream: sends the requested volume with backpressure', async () => {
    mock.script(KEY, { kind: 'large-stream', bytes: 2 * 1024 * 1024 })
    const response = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }),
    })
    const text = await response.text()
    expect(text.length).toBeGreaterThanOrEqual(2 * 1024 * 1024)
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
  })
})

describe('mock upstream: options', () => {
  it('streams fewer chunks with a pause, records no bodies, and close() ends hung requests', async () => {
    const small = await startMockUpstream({
      streamChunks: 3,
      chunkIntervalMs: 20,
      recordBodies: false,
    })
    let hung: Promise<string> | undefined
    try {
      const openai = new OpenAI({ baseURL: small.url, apiKey: KEY, maxRetries: 0 })
      const start = Date.now()
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: true,
      })
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      expect(text).toBe(mockText(3))
      expect(Date.now() - start).toBeGreaterThanOrEqual(60)
      expect(small.requests[0]?.body).toBeUndefined()
      expect(small.requests[0]?.bodyBytes).toBeGreaterThan(0)

      small.setDefault('hang')
      hung = openai.models.list().then(
        () => 'resolved',
        () => 'rejected',
      )
      while (small.openRequests() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    } finally {
      await small.close()
    }
    expect(await hung).toBe('rejected')
    expect(small.openRequests()).toBe(0)
    expect(small.openConnections()).toBe(0)
  })
})
