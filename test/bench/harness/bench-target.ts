/**
 * One thing the load is aimed at: the mock upstream itself (the ceiling of the load side),
 * the minimal pass-through, or KeyPool. Each takes the same requests; only the credential and
 * the process differ.
 */
export interface BenchTarget {
  /** Short name used in the table and the JSON ('mock', 'pass-through', 'keypool'). */
  name: string
  /** Origin, e.g. `http://127.0.0.1:PORT`; requests go to `${origin}/v1/…`. */
  origin: string
  /** The `Authorization` header value the target accepts. */
  authorization: string
  /** The process that serves it: its CPU share is reported with each run. */
  pid: number
}

/** A chat completion request of the benchmark: small, fixed, the same for every target. */
export function chatBody(stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    ...(stream && { stream: true }),
  })
}

/** Path of the chat completions endpoint on every target. */
export const CHAT_PATH = '/v1/chat/completions'
