import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startProxyHarness, upstreamKeys, type ProxyHarness } from './proxy-harness'

let harness: ProxyHarness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

/** When the head and the first body byte of a streamed completion reach the client. */
async function streamTimes(
  h: ProxyHarness,
  secret: string,
): Promise<{ headMs: number; firstByteMs: number; body: string }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${h.baseURL}/chat/completions`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      },
      (response) => {
        const headMs = performance.now() - started
        let firstByteMs = Number.NaN
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (text: string) => {
          if (body === '') firstByteMs = performance.now() - started
          body += text
        })
        response.on('end', () => resolve({ headMs, firstByteMs, body }))
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(
      JSON.stringify({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'think first' }],
      }),
    )
  })
}

describe('the head of a streamed answer', () => {
  it('reaches the client when the upstream sends it, not with the first event', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1)
    await harness.addKeys([key!])
    const { secret } = await harness.subKey()
    // The upstream sends its head at once and its first event 600 ms later.
    harness.mock.script(key!, { kind: 'paced', intervalMs: 0, firstEventMs: 600 })
    const slow = await streamTimes(harness, secret)
    expect(slow.headMs).toBeLessThan(300)
    expect(slow.firstByteMs).toBeGreaterThanOrEqual(550)
    expect(slow.body.endsWith('data: [DONE]\n\n')).toBe(true)
    // Without the pause the head travels with the first event, and the answer is complete.
    harness.mock.script(key!, { kind: 'paced', intervalMs: 0 })
    const fast = await streamTimes(harness, secret)
    expect(fast.firstByteMs).toBeLessThan(300)
    expect(fast.body.endsWith('data: [DONE]\n\n')).toBe(true)
  })
})
