import { Agent } from 'undici'
import { CHAT_PATH, chatBody } from './bench-target'

/** How a batch of concurrent streamed requests ended. */
export interface StreamsOutcome {
  completed: number
  failed: number
  /** A few failure reasons (status, error), for the report. */
  failures: string[]
  /** First request sent → last stream ended, seconds. */
  wallSeconds: number
  /** The longest single stream, send → end, seconds. */
  slowestSeconds: number
}

const DONE = 'data: [DONE]\n\n'

/**
 * Opens `streams` streamed chat completions at once against `origin` (stream i uses
 * `authorizations[i % n]`), reads each to the end and counts those that ended with `[DONE]`
 * after a 200. Only the tail of each body is kept, so the client's own memory stays flat.
 * Every request is aborted at `deadlineMs`: the run is bounded even if the proxy stalls.
 */
export async function runConcurrentStreams(options: {
  origin: string
  authorizations: readonly string[]
  streams: number
  deadlineMs: number
}): Promise<StreamsOutcome> {
  // One connection per stream, opened at once: this side must not be the queue.
  const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 1_000 })
  const signal = AbortSignal.timeout(options.deadlineMs)
  const body = chatBody(true)
  const failures: string[] = []
  let completed = 0
  let slowest = 0
  const started = performance.now()
  const one = async (i: number): Promise<void> => {
    const sent = performance.now()
    try {
      const response = await agent.request({
        origin: options.origin,
        path: CHAT_PATH,
        method: 'POST',
        headers: {
          authorization: options.authorizations[i % options.authorizations.length]!,
          'content-type': 'application/json',
        },
        body,
        signal,
        headersTimeout: options.deadlineMs,
        bodyTimeout: options.deadlineMs,
      })
      let tail = ''
      for await (const chunk of response.body) {
        tail = (tail + (chunk as Buffer).toString('utf8')).slice(-DONE.length)
      }
      if (response.statusCode === 200 && tail === DONE) completed++
      else failures.push(`status ${response.statusCode}, ends ${JSON.stringify(tail)}`)
    } catch (error) {
      failures.push(String(error))
    }
    slowest = Math.max(slowest, performance.now() - sent)
  }
  try {
    await Promise.all(Array.from({ length: options.streams }, (_, i) => one(i)))
  } finally {
    await agent.destroy()
  }
  return {
    completed,
    failed: options.streams - completed,
    failures: [...new Set(failures)].slice(0, 5),
    wallSeconds: (performance.now() - started) / 1000,
    slowestSeconds: slowest / 1000,
  }
}
