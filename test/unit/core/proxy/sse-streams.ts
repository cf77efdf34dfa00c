import fc from 'fast-check'
import { chatChunk } from './usage-fixtures'

/** One SSE event of a generated stream, with its exact bytes. */
export interface GeneratedEvent {
  bytes: Buffer
  /** The usage-only chunk the stripper must remove. */
  usageOnly: boolean
  /** The usage this event carries, if any (for the reader). */
  usage: Record<string, unknown> | null
}

const eol = fc.constantFrom('\n', '\r\n', '\r')
const text = fc.string({ unit: 'grapheme', maxLength: 12 })
const count = fc.nat({ max: 1_000_000 })
const usage = fc.record({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
  prompt_tokens_details: fc.record({ cached_tokens: count }),
  completion_tokens_details: fc.record({ reasoning_tokens: count }),
})

function event(lines: string[], end: string): Buffer {
  return Buffer.from(lines.map((line) => line + end).join('') + end)
}

const contentEvent = fc.tuple(text, eol).map(([content, end]): GeneratedEvent => ({
  bytes: event([`data: ${chatChunk(content)}`], end),
  usageOnly: false,
  usage: null,
}))

/** Look-alikes that must pass: `"usage"` in content, `usage: null`, usage beside choices. */
const decoyEvent = fc
  .tuple(fc.constantFrom(0, 1, 2, 3), usage, eol)
  .map(([kind, value, end]): GeneratedEvent => {
    const data = [
      chatChunk('"usage":{"prompt_tokens":1}'),
      chatChunk(null, { usage: null }),
      chatChunk('last', { usage: value }),
      JSON.stringify({ type: 'response.output_text.delta', delta: '"usage"' }),
    ][kind]!
    return {
      bytes: event([`data: ${data}`], end),
      usageOnly: false,
      usage: kind === 2 ? value : null,
    }
  })

const commentEvent = fc
  .tuple(fc.stringMatching(/^[ -~]{0,20}$/), eol)
  .map(([comment, end]): GeneratedEvent => ({
    bytes: event([`: ${comment}`], end),
    usageOnly: false,
    usage: null,
  }))

/** The usage-only chunk, on one data line or pretty-printed over several. */
const usageEvent = fc
  .tuple(usage, fc.boolean(), fc.boolean(), eol)
  .map(([value, multiline, noSpace, end]): GeneratedEvent => {
    const json = JSON.parse(chatChunk(null, { usage: value })) as unknown
    const lines = multiline
      ? JSON.stringify(json, null, 2)
          .split('\n')
          .map((line) => `data: ${line}`)
      : [`data:${noSpace ? '' : ' '}${JSON.stringify(json)}`]
    return { bytes: event(lines, end), usageOnly: true, usage: value }
  })

const doneEvent = eol.map((end): GeneratedEvent => ({
  bytes: event(['data: [DONE]'], end),
  usageOnly: false,
  usage: null,
}))

/** A streamed chat completion: content, decoys and comments, at most one usage-only chunk. */
export const sseStream = fc
  .tuple(
    fc.array(fc.oneof(contentEvent, contentEvent, decoyEvent, commentEvent), { maxLength: 12 }),
    fc.option(usageEvent, { nil: undefined }),
    fc.nat(),
    fc.option(doneEvent, { nil: undefined }),
  )
  .map(([events, usageOnly, at, done]) => {
    const all = [...events]
    if (usageOnly) all.splice(at % (all.length + 1), 0, usageOnly)
    if (done) all.push(done)
    return all
  })

/** Chunk sizes, applied in turn until the bytes run out; 0 makes an empty chunk. */
export const cuts = fc.array(fc.nat({ max: 48 }), { minLength: 1, maxLength: 30 })

/** Splits `bytes` into chunks of the given sizes, cycling through them. */
export function splitAt(bytes: Buffer, sizes: number[]): Buffer[] {
  if (sizes.every((size) => size === 0)) return [Buffer.alloc(0), bytes]
  const chunks: Buffer[] = []
  let from = 0
  for (let k = 0; from < bytes.length; k += 1) {
    const size = sizes[k % sizes.length]!
    chunks.push(bytes.subarray(from, from + size))
    from += size
  }
  return chunks
}
