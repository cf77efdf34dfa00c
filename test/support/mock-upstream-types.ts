/**
 * Public types of the mock OpenAI-compatible upstream. Kept apart from the server so the
 * endpoint helpers and the tests can share them without importing the whole server.
 */

/**
 * What one upstream key does with a request. Every behaviour applies to every endpoint, after
 * the Authorization check and before routing, like the real API checks the key first.
 */
export type KeyBehaviour =
  /** Answer normally. */
  | 'ok'
  /** 401 `invalid_api_key` (the message masks the key like OpenAI does). */
  | 'unauthorized'
  /** 403 `account_deactivated`. */
  | 'forbidden'
  /** 429 `insufficient_quota` (out of credit: no reset headers, retrying will not help). */
  | 'quota'
  /**
   * 429 `rate_limit_exceeded` with `x-ratelimit-remaining-requests: 0`. `retry-after` and the
   * reset headers are sent only when given, so the caller's exponential fallback is testable.
   */
  | { kind: 'rate-limit'; retryAfterSeconds?: number; resetRequests?: string; resetTokens?: string }
  /** 500 `server_error`. */
  | 'server-error'
  /** 502 in OpenAI's error shape. */
  | 'bad-gateway'
  /** 400 `invalid_request_error` (a client error: must never count against the key). */
  | 'bad-request'
  /** Never sends a byte; ends only when the client (or `close()`) drops the connection. */
  | 'hang'
  /**
   * Sends the headers and `afterChunks` complete SSE events, then destroys the socket. On a
   * non-streamed request it sends the headers and half of the JSON body, then destroys it.
   */
  | { kind: 'reset-mid-stream'; afterChunks: number }
  /** Like `reset-mid-stream`, but stalls (idle, socket open) instead of destroying it. */
  | { kind: 'stall-mid-stream'; afterChunks: number }
  /** Waits `ms` before answering normally (time to first byte). */
  | { kind: 'delay'; ms: number }
  /**
   * Answers normally after `firstByteMs`, with `intervalMs` between SSE events instead of the
   * mock's `chunkIntervalMs`; with `resetAfterChunks`, destroys the socket after that many events
   * like `reset-mid-stream`; with `firstEventMs`, a stream's head leaves at once and its first
   * event that much later (a reasoning model thinking). One behaviour so a seeded load mix can
   * shape each stream.
   */
  | {
      kind: 'paced'
      intervalMs: number
      firstByteMs?: number
      firstEventMs?: number
      resetAfterChunks?: number
    }
  /**
   * A streamed chat completion of about `bytes` bytes in ~16 KiB events, written with
   * backpressure: for slow-reader and memory tests, whatever the request asked for.
   */
  | { kind: 'large-stream'; bytes: number }

/** Chooses a behaviour per request (e.g. a seeded random mix for load tests). */
export type BehaviourPicker = (request: RecordedRequest) => KeyBehaviour

/** One request as the mock received it. Fields after `time` are filled in as it progresses. */
export interface RecordedRequest {
  /** Sequence number, from 1, in arrival order. */
  seq: number
  method: string
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string
  /** The query string including `?`, or ''. */
  search: string
  /** The bearer token, or null when Authorization is missing or not `Bearer <token>`. */
  key: string | null
  /** Received headers, lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>
  /** Raw header name/value pairs as received (to spot duplicates or odd casing). */
  rawHeaders: string[]
  /** Size of the request body. */
  bodyBytes: number
  /** The body itself, when `recordBodies` is on (the default). */
  body?: Buffer
  /** `model` from the JSON body or the multipart form. */
  model?: string
  /** `stream` from the JSON body. */
  stream?: boolean
  /** Arrival time (ms since epoch). */
  time: number
  /** Status code sent, once the headers went out. */
  status?: number
  /** True once the response was completely written; false if the connection closed first. */
  finished: boolean
  /** When the exchange ended (response done or connection closed). */
  closedAt?: number
  /** Body bytes a `large-stream` has handed to its socket so far (backpressure tests). */
  bytesOut?: number
}

/** Values for the `x-ratelimit-*` headers of successful responses. */
export interface RateLimitHeaders {
  limitRequests: number
  limitTokens: number
  remainingRequests: number
  remainingTokens: number
}

export interface MockUpstreamOptions {
  /** Extra wait before every answer, in ms. Default 0. */
  latencyMs?: number
  /** Content pieces (= completion tokens) per completion, streamed or not. Default 20. */
  streamChunks?: number
  /** Pause between SSE events, in ms. Default 0 (each event still gets its own write). */
  chunkIntervalMs?: number
  /** Keep request bodies in `requests[].body`. Default true; turn off for benchmarks. */
  recordBodies?: boolean
  /** Keep `requests` at all. Default true; counters and `openRequests()` work either way. */
  recordRequests?: boolean
  /** Split one multi-byte UTF-8 character across two writes in streams. Default true. */
  splitUtf8?: boolean
  /** Answer 404 `model_not_found` when the key's model list lacks the model. Default false. */
  enforceModels?: boolean
  /** Headers added to every response (e.g. hop-by-hop headers the proxy must drop). */
  responseHeaders?: Record<string, string>
  /** Listen address. Default '127.0.0.1'. */
  host?: string
  /** Listen port. Default 0 (ephemeral). */
  port?: number
}

export interface MockUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string
  port: number
  /** Force-closes every connection (in-flight requests included) and stops listening. */
  close(): Promise<void>
  /**
   * Scripts a key. A single behaviour (or picker) sticks; an array is a queue consumed one per
   * request, after which the key falls back to the default behaviour ('ok' unless changed).
   */
  script(key: string, behaviour: KeyBehaviour | KeyBehaviour[] | BehaviourPicker): void
  /** Behaviour of keys without a script (and of scripted queues once empty). */
  setDefault(behaviour: KeyBehaviour | BehaviourPicker): void
  /** What `GET /v1/models` lists for the key. */
  setModels(key: string, models: string[]): void
  /** Overrides the `x-ratelimit-*` headers of the key's successful responses. */
  setRemaining(
    key: string,
    values: { requests?: number; tokens?: number; limitRequests?: number; limitTokens?: number },
  ): void
  /** Every request received (unless `recordRequests` is off), in arrival order. */
  readonly requests: RecordedRequest[]
  /** Requests received with this bearer key (counted even when recording is off). */
  countFor(key: string): number
  /** Total requests received. */
  count(): number
  /** Back to the initial state: records, counters, scripts, defaults, models, files. */
  reset(): void
  /** Requests whose exchange has not ended yet (for leak and abort tests). */
  openRequests(): number
  /** TCP connections currently open to the mock. */
  openConnections(): number
  /**
   * Closes the connections that carry no request (idle keep-alive sockets), as an upstream does
   * when its keep-alive timeout passes: leak tests need not wait for the client's own timeout.
   */
  closeIdleConnections(): void
  /** Resolves once `openRequests()` is 0, or rejects after `timeoutMs` (default 1000). */
  waitForIdle(timeoutMs?: number): Promise<void>
}
