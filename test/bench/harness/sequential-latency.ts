import { Client } from 'undici'
import { CHAT_PATH, chatBody, type BenchTarget } from './bench-target'
import { percentile } from './statistics'

/** Latency of one request at a time on an idle target, ms, with sub-millisecond resolution. */
export interface LatencySample {
  /** Send → last body byte (non-streamed) or send → first body byte (streamed). */
  p50: number
  p99: number
  /** Streamed only: send → response headers. */
  headersP50: number | null
  requests: number
  errors: number
}

/**
 * Sends `requests` chat completions one after another over one keep-alive connection, timing
 * each with `performance.now()` (autocannon's histogram rounds to whole ms, too coarse for a
 * 0.5 ms budget). Non-streamed: the time to the complete answer, the latency a client sees.
 * Streamed: the time to the first body chunk — what a chat UI waits for before it shows a token —
 * and the time to the headers; the rest of the stream is read but not timed.
 */
export async function runSequential(
  target: BenchTarget,
  options: { stream: boolean; requests: number },
): Promise<LatencySample> {
  const client = new Client(target.origin, { pipelining: 1, keepAliveTimeout: 30_000 })
  const body = chatBody(options.stream)
  const headers = { authorization: target.authorization, 'content-type': 'application/json' }
  const times: number[] = []
  const headerTimes: number[] = []
  let errors = 0
  try {
    for (let i = 0; i < options.requests; i++) {
      const sent = performance.now()
      let headed = 0
      let first = 0
      let text = ''
      let status = 0
      try {
        const response = await client.request({ path: CHAT_PATH, method: 'POST', headers, body })
        headed = performance.now()
        status = response.statusCode
        for await (const chunk of response.body) {
          if (first === 0) first = performance.now()
          text += (chunk as Buffer).toString('utf8')
        }
      } catch {
        errors++
        continue
      }
      const done = performance.now()
      const complete = options.stream
        ? text.endsWith('data: [DONE]\n\n')
        : text.includes('"finish_reason":"stop"')
      if (status !== 200 || !complete || first === 0) {
        errors++
        continue
      }
      times.push((options.stream ? first : done) - sent)
      headerTimes.push(headed - sent)
    }
  } finally {
    await client.close()
  }
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    headersP50: options.stream ? percentile(headerTimes, 50) : null,
    requests: options.requests,
    errors,
  }
}
