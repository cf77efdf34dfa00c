import { it } from 'vitest'
import { scanRequestBody } from '../../src/core/proxy/request-body-scan'
import { readRequestModel } from '../../src/core/proxy/request-model'

/**
 * What reading a request's model costs, from a one-line request to a long conversation: the
 * body scan (`request-body-scan.ts`) against `JSON.parse` of the body, and `readRequestModel`,
 * which scans bodies up to 512 bytes and parses longer ones. Tight loops, where a parse's
 * garbage costs less than inside the proxy. Prints; asserts nothing.
 *   npm run bench -- test/bench/request-model.bench.ts
 */
function microseconds(runs: number, work: () => unknown): number {
  for (let i = 0; i < runs / 10; i++) work()
  const started = process.hrtime.bigint()
  for (let i = 0; i < runs; i++) work()
  return Number(process.hrtime.bigint() - started) / runs / 1_000
}

function chat(messages: number): Buffer {
  if (messages === 0) {
    return Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}')
  }
  return Buffer.from(
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: Array.from({ length: messages }, (_, i) => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: `${'Lorem ipsum dolor sit amet, «consectetur» adipiscing elit.\n'.repeat(5)}${i}`,
      })),
      stream: true,
    }),
  )
}

it('reads the model of chats from one line to 200 messages', () => {
  const lines = ['\nthe model of a chat body, mean of a tight loop (µs):']
  for (const messages of [0, 1, 3, 25, 200]) {
    const body = chat(messages)
    const runs = Math.max(2_000, Math.floor(20_000_000 / body.length))
    const scan = microseconds(runs, () => scanRequestBody(body))
    const parse = microseconds(runs, () => JSON.parse(body.toString('utf8')) as unknown)
    const read = microseconds(runs, () =>
      readRequestModel({
        method: 'POST',
        path: '/v1/chat/completions',
        contentType: 'application/json',
        body,
      }),
    )
    lines.push(
      `  ${String(body.length).padStart(6)} B: scan ${scan.toFixed(2)}, JSON.parse ` +
        `${parse.toFixed(2)}, readRequestModel ${read.toFixed(2)}`,
    )
  }
  console.log(lines.join('\n'))
})
