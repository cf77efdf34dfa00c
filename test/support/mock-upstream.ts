import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { applyBehaviour, sendMissingKey } from './mock-behaviours'
import { DEFAULT_MODELS } from './mock-content'
import { MockExchange } from './mock-exchange'
import type { MockStoredFile, RouteContext } from './mock-route-context'
import { findRoute } from './mock-routes'
import type {
  BehaviourPicker,
  KeyBehaviour,
  MockUpstream,
  MockUpstreamOptions,
  RateLimitHeaders,
  RecordedRequest,
} from './mock-upstream-types'

export type {
  BehaviourPicker,
  KeyBehaviour,
  MockUpstream,
  MockUpstreamOptions,
  RateLimitHeaders,
  RecordedRequest,
} from './mock-upstream-types'
export {
  DEFAULT_MODELS,
  expectedTokens,
  MOCK_PIECES,
  mockEmbedding,
  mockSpeechBytes,
  mockText,
  SPLIT_PIECE_INDEX,
  type MockTokens,
} from './mock-content'

const DEFAULT_LIMITS: RateLimitHeaders = {
  limitRequests: 10_000,
  limitTokens: 30_000_000,
  remainingRequests: 9_999,
  remainingTokens: 29_999_000,
}

const BAD_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using " +
  'your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not ' +
  'valid JSON.)'

type Script = KeyBehaviour | KeyBehaviour[] | BehaviourPicker

/** `Bearer <token>` → token; anything else → null (answered with a 401). */
function bearerKey(authorization: string | undefined): string | null {
  if (!authorization) return null
  const match = /^Bearer +([^\s]+)$/i.exec(authorization)
  return match?.[1] ?? null
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The project's OpenAI-compatible upstream for integration tests and benchmarks: plain
 * `node:http`, deterministic answers, per-key scripted failures, and enough bookkeeping
 * (recorded headers, per-key counts, open requests, open sockets) to prove what a proxy did.
 */
class MockUpstreamServer implements MockUpstream {
  url = ''
  port = 0
  readonly requests: RecordedRequest[] = []
  private readonly server: http.Server
  private readonly sockets = new Set<Socket>()
  private readonly counts = new Map<string, number>()
  private readonly scripts = new Map<string, Script>()
  private readonly models = new Map<string, readonly string[]>()
  private readonly limits = new Map<string, RateLimitHeaders>()
  private readonly files = new Map<string, MockStoredFile>()
  private readonly batches = new Map<string, Record<string, unknown>>()
  private defaultBehaviour: KeyBehaviour | BehaviourPicker = 'ok'
  private seq = 0
  private total = 0
  private open = 0
  private closing: Promise<void> | undefined

  constructor(private readonly options: Required<Omit<MockUpstreamOptions, 'port' | 'host'>>) {
    // A long keep-alive so the mock never closes an idle socket the client is about to reuse
    // (that race would show up as a spurious proxy error); close() force-closes anyway.
    this.server = http.createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error))
    })
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.port = (this.server.address() as AddressInfo).port
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}/v1`
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve())
        this.server.closeAllConnections()
      })
      // The responses' 'close' events trail the sockets' by a tick or two: settle the counters
      // so a test can assert openRequests() === 0 right after close().
      await this.waitForIdle(1_000).catch(() => undefined)
    })()
    return this.closing
  }

  script(key: string, behaviour: Script): void {
    if (Array.isArray(behaviour)) {
      if (behaviour.length === 0) this.scripts.delete(key)
      else this.scripts.set(key, [...behaviour])
    } else {
      this.scripts.set(key, behaviour)
    }
  }

  setDefault(behaviour: KeyBehaviour | BehaviourPicker): void {
    this.defaultBehaviour = behaviour
  }

  setModels(key: string, models: string[]): void {
    this.models.set(key, [...models])
  }

  setRemaining(
    key: string,
    values: { requests?: number; tokens?: number; limitRequests?: number; limitTokens?: number },
  ): void {
    const current = this.limits.get(key) ?? DEFAULT_LIMITS
    this.limits.set(key, {
      limitRequests: values.limitRequests ?? current.limitRequests,
      limitTokens: values.limitTokens ?? current.limitTokens,
      remainingRequests: values.requests ?? current.remainingRequests,
      remainingTokens: values.tokens ?? current.remainingTokens,
    })
  }

  countFor(key: string): number {
    return this.counts.get(key) ?? 0
  }

  count(): number {
    return this.total
  }

  reset(): void {
    this.requests.length = 0
    this.counts.clear()
    this.total = 0
    this.scripts.clear()
    this.defaultBehaviour = 'ok'
    this.models.clear()
    this.limits.clear()
    this.files.clear()
    this.batches.clear()
  }

  openRequests(): number {
    return this.open
  }

  openConnections(): number {
    return this.sockets.size
  }

  closeIdleConnections(): void {
    this.server.closeIdleConnections()
  }

  waitForIdle(timeoutMs = 1_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.open === 0) resolve()
        else if (Date.now() >= deadline) {
          reject(
            new Error(`mock upstream: ${this.open} request(s) still open after ${timeoutMs} ms`),
          )
        } else setTimeout(check, 5)
      }
      check()
    })
  }

  /** The next behaviour for a key: its queue head, its sticky script, or the default. */
  private pick(key: string, record: RecordedRequest): KeyBehaviour {
    const script = this.scripts.get(key)
    if (Array.isArray(script)) {
      const next = script.shift()
      if (script.length === 0) this.scripts.delete(key)
      if (next !== undefined) return next
    } else if (typeof script === 'function') {
      return script(record)
    } else if (script !== undefined) {
      return script
    }
    const fallback = this.defaultBehaviour
    return typeof fallback === 'function' ? fallback(record) : fallback
  }

  private successHeaders(key: string | null): Record<string, string> {
    const limits = (key !== null && this.limits.get(key)) || DEFAULT_LIMITS
    return {
      'x-ratelimit-limit-requests': String(limits.limitRequests),
      'x-ratelimit-limit-tokens': String(limits.limitTokens),
      'x-ratelimit-remaining-requests': String(limits.remainingRequests),
      'x-ratelimit-remaining-tokens': String(limits.remainingTokens),
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-reset-tokens': '0s',
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq
    this.open++
    this.total++
    const url = req.url ?? '/'
    const queryAt = url.indexOf('?')
    const key = bearerKey(req.headers.authorization)
    if (key !== null) this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    const record: RecordedRequest = {
      seq,
      method: req.method ?? 'GET',
      path: queryAt === -1 ? url : url.slice(0, queryAt),
      search: queryAt === -1 ? '' : url.slice(queryAt),
      key,
      headers: this.options.recordRequests ? flattenHeaders(req.headers) : {},
      rawHeaders: this.options.recordRequests ? req.rawHeaders : [],
      bodyBytes: 0,
      time: Date.now(),
      finished: false,
    }
    if (this.options.recordRequests) this.requests.push(record)
    const exchange = new MockExchange(
      req,
      res,
      record,
      {
        'x-request-id': `req_mock${seq}`,
        'openai-version': '2020-10-01',
        'openai-organization': 'user-mock',
        'openai-processing-ms': '1',
        // OpenAI (via Cloudflare) sets cookies; a proxy must not pass them on.
        'set-cookie': '__cf_bm=mock-cookie; path=/; HttpOnly',
        ...this.options.responseHeaders,
      },
      () => this.successHeaders(key),
      this.options.splitUtf8,
      this.options.chunkIntervalMs,
    )
    res.once('close', () => this.open--)

    const chunks: Buffer[] = []
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer)
    } catch {
      return // The client went away while sending the body.
    }
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
    record.bodyBytes = body.length
    if (this.options.recordBodies && this.options.recordRequests) record.body = body

    const contentType = req.headers['content-type'] ?? ''
    let json: Record<string, unknown> = {}
    let jsonValid = false
    let form: FormData | undefined
    if (contentType.toLowerCase().startsWith('multipart/form-data')) {
      try {
        form = await new Request('http://mock.invalid/', {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: new Uint8Array(body.buffer, body.byteOffset, body.length),
        }).formData()
        const model = form.get('model')
        if (typeof model === 'string') record.model = model
      } catch {
        form = undefined
      }
    } else if (body.length > 0) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'))
        if (isPlainObject(parsed)) {
          json = parsed
          jsonValid = true
          if (typeof parsed.model === 'string') record.model = parsed.model
          if (typeof parsed.stream === 'boolean') record.stream = parsed.stream
        }
      } catch {
        // Reported below, once the route is known to take JSON.
      }
    }

    if (exchange.closed) return // Gone before we answered: consume no scripted behaviour.
    if (key === null) return sendMissingKey(exchange)
    const behaviour = this.pick(key, record)
    if (this.options.latencyMs > 0 && !(await exchange.sleep(this.options.latencyMs))) return
    if ((await applyBehaviour(exchange, behaviour, key)) === 'done') return

    const found = findRoute(record.method, record.path)
    if (!found) {
      const message = `Invalid URL (${record.method} ${record.path})`
      return exchange.sendError(404, message, 'invalid_request_error')
    }
    const { route, params } = found
    if (route.body === 'json' && !jsonValid) {
      return exchange.sendError(400, BAD_JSON_MESSAGE, 'invalid_request_error')
    }
    if (route.body === 'multipart' && !form) {
      const message = `Invalid Content-Type header (${contentType}), expected multipart/form-data.`
      return exchange.sendError(400, message, 'invalid_request_error')
    }
    const models = this.models.get(key) ?? DEFAULT_MODELS
    if (this.options.enforceModels && record.model && !models.includes(record.model)) {
      return exchange.sendError(
        404,
        `The model \`${record.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      )
    }
    const context: RouteContext = {
      exchange,
      json,
      form,
      params,
      key,
      streamChunks: this.options.streamChunks,
      modelsFor: (forKey) => this.models.get(forKey) ?? DEFAULT_MODELS,
      files: this.files,
      batches: this.batches,
    }
    await route.handler(context)
  }

  /** A bug in the mock itself: say so loudly rather than hang the test. */
  private fail(res: ServerResponse, error: unknown): void {
    const message = `mock upstream failure: ${error instanceof Error ? error.stack : String(error)}`
    if (res.headersSent || res.destroyed) {
      res.destroy()
      return
    }
    const body = JSON.stringify({
      error: { message, type: 'mock_failure', param: null, code: null },
    })
    res.writeHead(500, { 'content-type': 'application/json' }).end(body)
  }
}

/** Starts a mock upstream on loopback (an ephemeral port unless `port` is given). */
export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const mock = new MockUpstreamServer({
    latencyMs: options.latencyMs ?? 0,
    streamChunks: options.streamChunks ?? 20,
    chunkIntervalMs: options.chunkIntervalMs ?? 0,
    recordBodies: options.recordBodies ?? true,
    recordRequests: options.recordRequests ?? true,
    splitUtf8: options.splitUtf8 ?? true,
    enforceModels: options.enforceModels ?? false,
    responseHeaders: options.responseHeaders ?? {},
  })
  await mock.listen(options.host ?? '127.0.0.1', options.port ?? 0)
  return mock
}
