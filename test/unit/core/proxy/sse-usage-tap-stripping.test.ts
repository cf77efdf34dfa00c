import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SseUsageTap } from '../../../../src/core/proxy/sse-usage-tap'
import { cuts, splitAt, sseStream } from './sse-streams'
import { chatChunk, chatUsage } from './usage-fixtures'

const data = (json: string) => `data: ${json}\n\n`

/** A tap that removes the usage chunk, as for a client that did not ask for usage. */
const stripper = (): SseUsageTap => new SseUsageTap({ stripUsageChunk: true })

describe('SseUsageTap, removing the usage chunk', () => {
  it('removes exactly the usage-only chunk of an OpenAI stream', () => {
    const kept = [data(chatChunk('Hel')), data(chatChunk('lo'))].join('')
    const usage = data(chatChunk(null, { usage: chatUsage }))
    const tap = stripper()
    const out = [
      tap.push(Buffer.from(kept + usage)),
      tap.push(Buffer.from('data: [DONE]\n\n')),
      tap.end(),
    ]
    expect(Buffer.concat(out).toString()).toBe(`${kept}data: [DONE]\n\n`)
  })

  it('returns the very chunk it was given when nothing is held or removed', () => {
    const chunk = Buffer.from(data(chatChunk('x')))
    expect(stripper().push(chunk)).toBe(chunk)
  })

  it('forwards each event in the call that completes it and holds only the unfinished one', () => {
    const tap = stripper()
    const first = data(chatChunk('a'))
    const second = data(chatChunk('b'))
    expect(Buffer.from(tap.push(Buffer.from(first + second.slice(0, 10)))).toString()).toBe(first)
    expect(Buffer.from(tap.push(Buffer.from(second.slice(10)))).toString()).toBe(second)
  })

  it('forwards a huge event as it arrives instead of holding it whole', () => {
    const tap = stripper()
    const big = Buffer.from(data(chatChunk('x'.repeat(200_000))))
    let forwarded = 0
    for (let i = 0; i < big.length - 2; i += 1_000) {
      forwarded += tap.push(big.subarray(i, Math.min(i + 1_000, big.length - 2))).length
    }
    expect(forwarded).toBeGreaterThan(big.length - 70 * 1024)
    forwarded += tap.push(big.subarray(big.length - 2)).length
    expect(forwarded).toBe(big.length)
  })

  it('drops the LF of a CRLF split right after the usage chunk', () => {
    const usage = `data: ${chatChunk(null, { usage: chatUsage })}\r\n\r`
    const tap = stripper()
    const out = [tap.push(Buffer.from(usage)), tap.push(Buffer.from('\ndata: [DONE]\r\n\r\n'))]
    expect(Buffer.concat(out).toString()).toBe('data: [DONE]\r\n\r\n')
  })

  it('drops an unterminated usage chunk at the end and passes any other leftover', () => {
    const usage = stripper()
    expect(usage.push(Buffer.from(`data: ${chatChunk(null, { usage: chatUsage })}\n`)).length).toBe(
      0,
    )
    expect(usage.end().length).toBe(0)
    const other = stripper()
    other.push(Buffer.from('data: partial'))
    expect(Buffer.from(other.end()).toString()).toBe('data: partial')
  })

  it('property: output = input minus the usage event, each event forwarded once complete', () => {
    fc.assert(
      fc.property(sseStream, cuts, (events, offsets) => {
        const input = Buffer.concat(events.map((e) => e.bytes))
        const expected = Buffer.concat(events.filter((e) => !e.usageOnly).map((e) => e.bytes))
        const ends: { end: number; kept: number }[] = []
        let end = 0
        let kept = 0
        for (const event of events) {
          end += event.bytes.length
          if (!event.usageOnly) kept += event.bytes.length
          ends.push({ end, kept })
        }
        const tap = stripper()
        const out: Uint8Array[] = []
        let pushed = 0
        for (const chunk of splitAt(input, offsets)) {
          out.push(tap.push(chunk))
          pushed += chunk.length
          const soFar = Buffer.concat(out)
          expect(expected.subarray(0, soFar.length).equals(soFar)).toBe(true)
          const complete = ends.filter((e) => e.end <= pushed).at(-1)?.kept ?? 0
          expect(soFar.length).toBeGreaterThanOrEqual(complete)
        }
        out.push(tap.end())
        expect(Buffer.concat(out).equals(expected)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})
