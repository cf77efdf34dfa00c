import { describe, expect, it } from 'vitest'
import { normalizeUsage } from '../../../../src/core/proxy/token-usage'
import { JsonUsageCollector, usageFromJson } from '../../../../src/core/proxy/usage-from-json'
import { chatTokens, chatUsage, responsesTokens, responsesUsage } from './usage-fixtures'

describe('normalizeUsage', () => {
  it('reads the Chat Completions vocabulary with its details', () => {
    expect(normalizeUsage(chatUsage)).toEqual(chatTokens)
  })

  it('reads the Responses vocabulary with its details', () => {
    expect(normalizeUsage(responsesUsage)).toEqual(responsesTokens)
  })

  it('reads embeddings usage, which has no completion, and fills the total', () => {
    expect(normalizeUsage({ prompt_tokens: 8, total_tokens: 8 })).toEqual({
      promptTokens: 8,
      completionTokens: 0,
      totalTokens: 8,
      cachedTokens: 0,
      reasoningTokens: 0,
    })
    expect(normalizeUsage({ prompt_tokens: 3, completion_tokens: 4 })?.totalTokens).toBe(7)
  })

  it("reads DeepSeek's cache hits as cached tokens", () => {
    expect(
      normalizeUsage({ prompt_tokens: 10, completion_tokens: 1, prompt_cache_hit_tokens: 6 })
        ?.cachedTokens,
    ).toBe(6)
  })

  it.each([null, undefined, 5, 'x', [], {}, { prompt_tokens: -1 }, { prompt_tokens: 1.5 }])(
    'returns null for %j',
    (value) => expect(normalizeUsage(value)).toBeNull(),
  )
})

describe('usageFromJson', () => {
  it('reads chat, completions, embeddings and Responses bodies', () => {
    expect(usageFromJson({ object: 'chat.completion', choices: [], usage: chatUsage })).toEqual(
      chatTokens,
    )
    expect(usageFromJson({ object: 'response', output: [], usage: responsesUsage })).toEqual(
      responsesTokens,
    )
    expect(usageFromJson({ object: 'list', data: [] })).toBeNull()
    expect(usageFromJson([{ usage: chatUsage }])).toBeNull()
  })
})

describe('JsonUsageCollector', () => {
  const split = (text: string, size: number) => {
    const bytes = Buffer.from(text)
    const chunks: Buffer[] = []
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
    return chunks
  }

  it('parses a small body whole, across chunks and UTF-8 splits', () => {
    const collector = new JsonUsageCollector()
    const body = JSON.stringify({
      choices: [{ message: { content: 'héllo 🙂' } }],
      usage: chatUsage,
    })
    for (const chunk of split(body, 3)) collector.push(chunk)
    expect(collector.finish()).toEqual(chatTokens)
  })

  it('reads usage from the tail of a large body while holding only the tail', () => {
    const collector = new JsonUsageCollector(1024, 256)
    const data = Array.from({ length: 200 }, (_, index) => ({ embedding: [0.1, -0.2], index }))
    const body = JSON.stringify({
      object: 'list',
      data,
      model: 'm',
      usage: { prompt_tokens: 9, total_tokens: 9 },
    })
    for (const chunk of split(body, 100)) collector.push(chunk)
    expect((collector as unknown as { held: number }).held).toBeLessThan(400)
    expect(collector.finish()).toMatchObject({ promptTokens: 9, totalTokens: 9 })
  })

  it('reads a top-level usage followed by other members, and a nested last one by scanning', () => {
    const read = (body: string) => {
      const collector = new JsonUsageCollector()
      for (const chunk of split(body, 7)) collector.push(chunk)
      return collector.finish()
    }
    const trailing = JSON.stringify({
      choices: [{ message: { content: 'a } "usage": {' } }],
      usage: chatUsage,
      service_tier: 'default',
      system_fingerprint: 'fp_{}',
    })
    expect(read(trailing)).toEqual(chatTokens)
    // The last "usage" key is read, as ever, even when it is not the top-level one.
    const nested = JSON.stringify({
      usage: chatUsage,
      meta: { usage: { prompt_tokens: 90, completion_tokens: 9, total_tokens: 99 } },
    })
    expect(read(nested)).toMatchObject({ promptTokens: 90, totalTokens: 99 })
    const inArray = JSON.stringify({ data: [{ usage: { total_tokens: 7 } }], object: 'list' })
    expect(read(inArray)).toMatchObject({ totalTokens: 7 })
  })

  it('returns null for a body that is not JSON or has no usage', () => {
    const bad = new JsonUsageCollector()
    bad.push(Buffer.from('<html>'))
    expect(bad.finish()).toBeNull()
    const tail = new JsonUsageCollector(10, 10)
    tail.push(Buffer.from('{"data":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'))
    expect(tail.finish()).toBeNull()
  })
})
