import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SseEventFramer } from '../../../../src/core/proxy/sse-event-framer'
import { cuts, splitAt, sseStream } from './sse-streams'

/** Where the framer says events end, as offsets into the whole stream. */
function eventEnds(chunks: readonly Uint8Array[]): number[] {
  const framer = new SseEventFramer()
  const ends: number[] = []
  let offset = 0
  for (const chunk of chunks) {
    framer.scan(chunk, {
      // The LF of a CRLF split across chunks belongs to the event before it.
      previousEventLf: () => {
        expect(chunk[0]).toBe(10)
        ends[ends.length - 1]! += 1
      },
      eventEnded: (end) => ends.push(offset + end),
    })
    offset += chunk.length
  }
  return ends
}

describe('SseEventFramer', () => {
  it('ends events at blank lines of LF, CRLF or CR line ends', () => {
    const stream = 'data: a\n\ndata: b\r\n\r\n: c\r\rdata: d\nid: 1\n\n'
    expect(eventEnds([Buffer.from(stream)])).toEqual([9, 20, 25, 40])
    // A plain Uint8Array is read like a Buffer.
    expect(eventEnds([new Uint8Array(Buffer.from('data: a\n\n'))])).toEqual([9])
  })

  it('property: the ends are those of the events, wherever the chunks split them', () => {
    fc.assert(
      fc.property(sseStream, cuts, (events, offsets) => {
        const expected: number[] = []
        let total = 0
        for (const event of events) expected.push((total += event.bytes.length))
        const chunks = splitAt(Buffer.concat(events.map((e) => e.bytes)), offsets)
        expect(eventEnds(chunks)).toEqual(expected)
      }),
      { numRuns: 1_000 },
    )
  })
})
