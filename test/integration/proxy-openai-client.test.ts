import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MODELS, mockEmbedding, mockSpeechBytes, mockText } from '../support/mock-upstream'
import { type ProxyHarness, startProxyHarness, upstreamKeys } from './proxy-harness'

let harness: ProxyHarness
let client: OpenAI
let restricted: OpenAI
let keyId: number
const [upstream] = upstreamKeys(1, 'sdk')

beforeAll(async () => {
  harness = await startProxyHarness()
  ;[keyId] = (await harness.addKeys([upstream!])) as [number]
  const open = await harness.subKey({ name: 'sdk' })
  const narrow = await harness.subKey({ name: 'narrow', allowModels: ['gpt-4o*', 'tts-1'] })
  client = new OpenAI({ baseURL: harness.baseURL, apiKey: open.secret, maxRetries: 0 })
  restricted = new OpenAI({ baseURL: harness.baseURL, apiKey: narrow.secret, maxRetries: 0 })
})

afterAll(async () => {
  await harness?.close()
})

describe('the official openai client through the proxy', () => {
  it('creates a chat completion with the upstream key injected', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    })
    expect(completion.choices[0]?.message.content).toBe(mockText(20))
    expect(completion.usage?.completion_tokens).toBe(20)
    const seen = harness.mock.requests.at(-1)!
    expect(seen.key).toBe(upstream)
    expect(seen.headers['authorization']).toBe(`Bearer ${upstream}`)
  })

  it('streams a chat completion whose pieces add up to the mock text, without the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
    })
    let text = ''
    let usageChunks = 0
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usageChunks++
    }
    expect(text).toBe(mockText(20))
    expect(usageChunks).toBe(0)
    const body = JSON.parse(harness.mock.requests.at(-1)!.body!.toString()) as {
      stream_options?: { include_usage?: boolean }
    }
    expect(body.stream_options?.include_usage).toBe(true)
  })

  it('keeps the usage chunk for a client that asked for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let usage: number | undefined
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage.completion_tokens
    expect(usage).toBe(20)
  })

  it('creates embeddings (base64 on the wire by default)', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['alpha', 'beta gamma'],
    })
    expect(result.data.map((item) => item.embedding)).toEqual([
      mockEmbedding('alpha', 0),
      mockEmbedding('beta gamma', 1),
    ])
    const body = JSON.parse(harness.mock.requests.at(-1)!.body!.toString()) as {
      encoding_format?: string
    }
    expect(body.encoding_format).toBe('base64')
  })

  it('uploads audio for a transcription (multipart, model read from the form)', async () => {
    const audio = Buffer.alloc(4096, 7)
    const result = await client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await toFile(audio, 'clip.wav', { type: 'audio/wav' }),
    })
    expect(result.text).toBe('transcribed clip.wav (4096 bytes)')
    expect(harness.mock.requests.at(-1)!.model).toBe('whisper-1')
  })

  it('returns speech bytes unchanged', async () => {
    const response = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'Hello there',
    })
    const bytes = Buffer.from(await response.arrayBuffer())
    expect(bytes.equals(mockSpeechBytes('Hello there'))).toBe(true)
    expect(response.headers.get('content-type')).toBe('audio/mpeg')
  })

  it('answers the Responses API, plain and streamed', async () => {
    const plain = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi' })
    expect(plain.output_text).toBe(mockText(20))

    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'Hi',
      stream: true,
    })
    let text = ''
    let completed = false
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta
      if (event.type === 'response.completed') completed = true
    }
    expect(text).toBe(mockText(20))
    expect(completed).toBe(true)
  })

  it('lists only the models a sub-key may use', async () => {
    const all: string[] = []
    for await (const model of client.models.list()) all.push(model.id)
    expect(all).toEqual([...DEFAULT_MODELS])

    const allowed: string[] = []
    for await (const model of restricted.models.list()) allowed.push(model.id)
    expect(allowed).toEqual(['gpt-4o-mini', 'gpt-4o', 'tts-1'])
  })

  it('refuses a model outside the policy before any upstream call', async () => {
    const before = harness.mock.count()
    const error = await restricted.embeddings
      .create({ model: 'text-embedding-3-small', input: 'x' })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_allowed')
    expect(harness.mock.count()).toBe(before)
  })

  it('refuses a model-less request from a restricted sub-key, but not an unrestricted one', async () => {
    const before = harness.mock.count()
    const error = await restricted.moderations
      .create({ input: 'x' } as never)
      .catch((caught: unknown) => caught)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_allowed')
    expect(harness.mock.count()).toBe(before)
    const batch = await fetch(`${harness.baseURL}/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${restricted.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: 'file-1', endpoint: '/v1/chat/completions' }),
    })
    expect(batch.status).toBe(403)
    expect(harness.mock.count()).toBe(before)
  })

  it('counts tokens against the sub-key and the key', async () => {
    await harness.server.core.usage.flush()
    const subKeys = (await harness.api('GET', '/api/sub-keys')).body as {
      name: string
      tokensUsed: number
      requests: number
    }[]
    const sdk = subKeys.find((item) => item.name === 'sdk')!
    expect(sdk.requests).toBeGreaterThanOrEqual(8)
    expect(sdk.tokensUsed).toBeGreaterThan(0)
    const key = harness.server.core.keys.get(keyId)
    expect(key.requests).toBeGreaterThanOrEqual(8)
    expect(key.tokens).toBeGreaterThanOrEqual(sdk.tokensUsed)
  })
})
