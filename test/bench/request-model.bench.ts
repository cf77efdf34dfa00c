import { it } from 'vitest'
import { findTopLevelKey } from '../../src/core/proxy/json-top-level'
import { readRequestModel } from '../../src/core/proxy/request-model'

/**
 * What reading a request's model costs on a long conversation (200 messages, ~72 KB): the full
 * `JSON.parse` the proxy does against a top-level key scan in JavaScript, which looked like a
 * way to skip parsing the messages. Prints; asserts nothing.
 *   npm run bench -- test/bench/request-model.bench.ts
 */
const RUNS = 2_000

function microseconds(work: () => unknown): number {
  for (let i = 0; i < 200; i++) work()
  const started = process.hrtime.bigint()
  for (let i = 0; i < RUNS; i++) work()
  return Number(process.hrtime.bigint() - started) / RUNS / 1_000
}

it('reads the model of a long conversation', () => {
  const messages = Array.from({ length: 200 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(5)}${i}`,
  }))
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }))
  const parse = microseconds(() =>
    readRequestModel({
      method: 'POST',
      path: '/v1/chat/completions',
      contentType: 'application/json',
      body,
    }),
  )
  const scan = microseconds(() => findTopLevelKey(body, 'model'))
  console.log(
    `\nmodel of a ${(body.length / 1024).toFixed(0)} KB chat body, mean of ${RUNS}: ` +
      `readRequestModel (JSON.parse) ${parse.toFixed(1)} µs, findTopLevelKey ${scan.toFixed(1)} µs`,
  )
})
