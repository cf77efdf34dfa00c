import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SseUsageTap } from '../../../../src/core/proxy/sse-usage-tap'
import { normalizeUsage } from '../../../../src/core/proxy/token-usage'
import { cuts, splitAt, sseStream } from './sse-streams'
import { chatChunk, chatTokens, chatUsage, responsesTokens, responsesUsage } from './usage-fixtures'

const read = (text: string, size = 7) => {
  const reader = new SseUsageTap({ stripUsageChunk: false })
  for (const chunk of splitAt(
    Buffer.from(text),
    Array.from({ length: 200 }, (_, i) => i * size),
  )) {
    expect(reader.push(chunk)).toBe(chunk)
  }
  expect(reader.end().length).toBe(0)
  return reader.usage
}

describe('SseUsageTap, reading usage', () => {
  it('reads the usage chunk of a streamed chat completion', () => {
    const stream = [
      `data: ${chatChunk('Bonjour 🙂', { usage: null })}\n\n`,
      `data: ${chatChunk(null, { usage: chatUsage })}\n\n`,
      'data: [DONE]\n\n',
    ].join('')
    expect(read(stream, 3)).toEqual(chatTokens)
  })

  it("reads the Responses API's response.completed event", () => {
    const event = (type: string, response: Record<string, unknown>) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: 1, response })}\n\n`
    const stream = [
      event('response.created', { id: 'resp_1', status: 'in_progress', usage: null }),
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'héllo' })}\n\n`,
      event('response.completed', { id: 'resp_1', status: 'completed', usage: responsesUsage }),
    ].join('')
    expect(read(stream, 5)).toEqual(responsesTokens)
  })

  it('reads an unterminated last event and ignores malformed ones', () => {
    expect(read(`data: {"usage":\n\ndata: ${chatChunk(null, { usage: chatUsage })}`)).toEqual(
      chatTokens,
    )
    expect(read('data: not json "usage"\n\n')).toBeNull()
    expect(read('')).toBeNull()
  })

  it('reads usage split over data lines, and skips usage: null without parsing it', () => {
    const split = `data: {"choices":[],"usage":\ndata: ${JSON.stringify(chatUsage)}}\n\n`
    expect(read(split, 4)).toEqual(chatTokens)
    // Every chunk of a stream that asked for usage carries "usage":null; the last one counts.
    const stream = [
      `data: ${chatChunk(null, { usage: chatUsage })}\n\n`,
      `data: ${chatChunk('more', { usage: null })}\r\n\r\n`,
    ].join('')
    expect(read(stream, 5)).toEqual(chatTokens)
  })

  it('gives up quietly on an event larger than its buffer', () => {
    const reader = new SseUsageTap({ stripUsageChunk: false })
    const huge = Buffer.alloc(9 * 1024 * 1024, 0x61)
    reader.push(Buffer.from('data: '))
    expect(() => reader.push(huge)).not.toThrow()
    reader.end()
    expect(reader.usage).toBeNull()
  })

  it('property: usage is read exactly whatever the chunk and UTF-8 splits', () => {
    fc.assert(
      fc.property(sseStream, cuts, (events, offsets) => {
        const input = Buffer.concat(events.map((e) => e.bytes))
        const last = events.filter((e) => e.usage !== null).at(-1)
        // Reading is the same whether the usage chunk is also being removed.
        for (const stripUsageChunk of [false, true]) {
          const reader = new SseUsageTap({ stripUsageChunk })
          for (const chunk of splitAt(input, offsets)) reader.push(chunk)
          reader.end()
          expect(reader.usage).toEqual(last ? normalizeUsage(last.usage) : null)
        }
      }),
      { numRuns: 500 },
    )
  })
})
