import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startProxyHarness, upstreamKeys, type ProxyHarness } from './proxy-harness'

let harness: ProxyHarness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const MB = 1024 * 1024
const STREAM_BYTES = 50 * MB

describe('P7: backpressure through the proxy', () => {
  it('stops pulling from the upstream while the client is not reading, then delivers it all', async () => {
    harness = await startProxyHarness()
    const [key] = upstreamKeys(1)
    await harness.addKeys([key!])
    harness.mock.script(key!, { kind: 'large-stream', bytes: STREAM_BYTES })
    const { secret } = await harness.subKey()

    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'a lot' }],
    })
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.request(
        `${harness!.baseURL}/chat/completions`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        },
        resolve,
      )
      request.on('error', reject)
      request.end(body)
    })
    expect(response.statusCode).toBe(200)
    response.pause()

    // The client reads nothing for a while: the proxy must not drain the upstream into memory.
    const heapBefore = process.memoryUsage()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const upstreamRequest = harness.mock.requests.at(-1)!
    const producedWhilePaused = upstreamRequest.bytesOut ?? 0
    const heapAfter = process.memoryUsage()
    const growth =
      heapAfter.arrayBuffers + heapAfter.heapUsed - (heapBefore.arrayBuffers + heapBefore.heapUsed)

    // Socket buffers on both hops hold a few MB at most; without backpressure all 50 MB flow.
    expect(producedWhilePaused).toBeLessThan(16 * MB)
    expect(growth).toBeLessThan(64 * MB)

    let received = 0
    let tail = ''
    response.on('data', (chunk: Buffer) => {
      received += chunk.length
      tail = (tail + chunk.toString('latin1')).slice(-64)
    })
    response.resume()
    await new Promise((resolve) => response.once('end', resolve))
    expect(received).toBeGreaterThanOrEqual(STREAM_BYTES)
    expect(tail).toContain('data: [DONE]')
    console.log(
      `P7: upstream produced ${(producedWhilePaused / MB).toFixed(1)} MB while the client paused; ` +
        `heap+buffers grew ${(growth / MB).toFixed(1)} MB; client then received ${(received / MB).toFixed(1)} MB`,
    )
  }, 60_000)
})
