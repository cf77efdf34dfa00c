import { findTopLevelKey } from './json-top-level'
import type { RequestBodyTopLevel } from './request-body-scan'
import { routeOf } from './route-path'

export interface StreamUsageEdit {
  /** The body to send upstream: the same Buffer when nothing had to change. */
  body: Buffer
  /**
   * True when the proxy asked for the usage chunk on the client's behalf: the client did not ask
   * for it and must not receive it (SPEC §4), so the response goes through the usage stripper.
   */
  stripUsageChunk: boolean
}

const inserted = Buffer.from('"stream_options":{"include_usage":true},')

/**
 * The one edit the proxy makes to a request body (SPEC §4): a streamed chat completion gets
 * `stream_options.include_usage = true`, so that its tokens can be counted. The edit is a byte
 * splice, so every other field keeps its exact bytes; `stream_options` itself is re-serialised
 * with `include_usage` set (an absent one is inserted first). Anything the proxy cannot edit
 * safely (a non-object `stream_options`, which the upstream will refuse anyway) is left as is.
 *
 * @param topLevel the body's top level as `readRequestModel` read it
 */
export function requestStreamUsage(
  method: string,
  path: string,
  body: Buffer,
  topLevel: RequestBodyTopLevel | undefined,
): StreamUsageEdit {
  const unchanged: StreamUsageEdit = { body, stripUsageChunk: false }
  if (topLevel === undefined || !topLevel.stream) return unchanged
  if (method.toUpperCase() !== 'POST' || routeOf(path) !== '/v1/chat/completions') return unchanged
  const found = topLevel.streamOptions ?? findTopLevelKey(body, 'stream_options')
  if (found === null) return unchanged
  const spans = found.spans
  const last = spans.at(-1)
  if (last === undefined) {
    const at = found.open + 1
    return {
      body: Buffer.concat([body.subarray(0, at), inserted, body.subarray(at)]),
      stripUsageChunk: true,
    }
  }
  // The last of repeated keys is the one that counts, as for `JSON.parse`.
  const current: unknown = JSON.parse(body.toString('utf8', last.start, last.end))
  const isObject = typeof current === 'object' && current !== null && !Array.isArray(current)
  if (current !== null && !isObject) return unchanged
  const options = isObject ? (current as Record<string, unknown>) : {}
  if (options['include_usage'] === true) return unchanged
  const replacement = Buffer.from(JSON.stringify({ ...options, include_usage: true }))
  const parts: Buffer[] = []
  let from = 0
  for (const span of spans) {
    parts.push(body.subarray(from, span.start), replacement)
    from = span.end
  }
  parts.push(body.subarray(from))
  return { body: Buffer.concat(parts), stripUsageChunk: true }
}
