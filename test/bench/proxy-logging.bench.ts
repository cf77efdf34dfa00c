import autocannon from 'autocannon'
import { afterAll, it } from 'vitest'
import { startProxyHarness, upstreamKeys, type ProxyHarness } from '../integration/proxy-harness'

/**
 * Issue 5: the proxy's throughput with the request log (rows + roll-ups) written, against the
 * same process with those writes switched off, alternating in rounds (and the order within a
 * round) so drift hits both alike.
 * Everything shares this process and the machine's cores, so read the ratio, not the absolute
 * figures (issue 8's benchmark pins processes to cores). Prints; asserts nothing.
 */
const ROUNDS = 6
const SECONDS = 4
const CONNECTIONS = 32

let harness: ProxyHarness | undefined

afterAll(async () => {
  await harness?.close()
})

async function drive(url: string, secret: string): Promise<{ rps: number; errors: number }> {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    }),
  })
  return { rps: result.requests.average, errors: result.errors + result.non2xx }
}

it('measures proxy throughput with request logging on and off', async () => {
  harness = await startProxyHarness({
    mock: { recordRequests: false, recordBodies: false, splitUtf8: false },
  })
  await harness.addKeys(upstreamKeys(10, 'bench'))
  const { secret } = await harness.subKey({ name: 'bench' })
  const stats = harness.server.core.stats
  const write = stats.write.bind(stats)

  await drive(harness.url, secret) // warm-up
  const on: number[] = []
  const off: number[] = []
  let errors = 0
  const run = async (logging: boolean) => {
    stats.write = logging ? write : () => {}
    const result = await drive(harness!.url, secret)
    ;(logging ? on : off).push(result.rps)
    errors += result.errors
  }
  // The order alternates (on, off; then off, on; …) so that a drift of the machine over a round
  // lands on both alike.
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0
    await run(first)
    await run(!first)
  }
  stats.write = write
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
  console.log(
    `\nProxy throughput, non-streamed chat, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s each\n` +
      `  logging on : ${on.map((v) => v.toFixed(0)).join(', ')} req/s (mean ${mean(on).toFixed(0)})\n` +
      `  logging off: ${off.map((v) => v.toFixed(0)).join(', ')} req/s (mean ${mean(off).toFixed(0)})\n` +
      `  on / off   : ${((mean(on) / mean(off)) * 100).toFixed(1)}%   errors: ${errors}\n`,
  )
}, 120_000)
