import { Agent, type Dispatcher } from 'undici'
import {
  classifyNetworkError,
  classifyUpstreamResponse,
  type UpstreamOutcome,
} from '../pool/classify-upstream-response'
import { networkErrorKind } from '../pool/network-error-kind'
import { upstreamTarget } from '../proxy/upstream-target'
import { CheckGuard } from './check-guard'
import { ProbeAnswer } from './probe-answer'

/** What one check found out about one key. */
export interface ProbeResult {
  outcome: UpstreamOutcome
  /** The key's model list when `GET /models` answered 200 with one; else null (unknown). */
  models: string[] | null
}

export interface ProbeRequest {
  baseUrl: string
  secret: string
  /** The paid 1-token completion on this model after the free check; undefined = free only. */
  thoroughModel?: string
}

export interface ProbeTimeouts {
  connectMs: number
  headersMs: number
  bodyMs: number
  /** The whole check (both requests), whatever the phase. */
  totalMs: number
}

export const defaultProbeTimeouts: ProbeTimeouts = {
  connectMs: 10_000,
  headersMs: 30_000,
  bodyMs: 30_000,
  totalMs: 60_000,
}

/** OpenRouter's list of ~500 models is ~1.5 MB; anything far beyond is not a model list. */
const MAX_MODELS_BYTES = 16 * 1024 * 1024
const MAX_ERROR_BYTES = 64 * 1024
/** The schema allows 64 workers; one connection each, plus room for a second provider. */
const MAX_CONNECTIONS_PER_ORIGIN = 64

/**
 * The free check (`GET {base}/models`) and the optional paid one (a 1-token completion) for one
 * key, classified exactly like proxied traffic. It has its own bounded undici Agent so a large
 * validation run never competes with the proxy's connections, and it never throws: no answer is
 * a `network-error` outcome. Cancelling `signal` rejects with the signal's reason; a signal
 * that times out (a `TimeoutError`, as `AbortSignal.timeout`'s) is a timeout like the deadline.
 */
export class ValidationProbe {
  private readonly dispatcher: Dispatcher
  private readonly ownsDispatcher: boolean

  constructor(
    private readonly now: () => number,
    private readonly timeouts: ProbeTimeouts = defaultProbeTimeouts,
    dispatcher?: Dispatcher,
  ) {
    this.ownsDispatcher = dispatcher === undefined
    this.dispatcher =
      dispatcher ??
      new Agent({
        connections: MAX_CONNECTIONS_PER_ORIGIN,
        connectTimeout: timeouts.connectMs,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        keepAliveTimeout: 10_000,
      })
  }

  async check(probe: ProbeRequest, signal: AbortSignal): Promise<ProbeResult> {
    const guard = new CheckGuard(signal, this.timeouts.totalMs)
    try {
      const listed = await this.send(probe, 'GET', 'models', undefined, guard, MAX_MODELS_BYTES)
      if (listed.outcome.kind !== 'success') return { outcome: listed.outcome, models: null }
      const models = modelIds(listed.body)
      if (probe.thoroughModel === undefined) return { outcome: listed.outcome, models }
      const body = JSON.stringify({
        model: probe.thoroughModel,
        messages: [{ role: 'user', content: 'ping' }],
        max_tokens: 1,
      })
      const paid = await this.send(probe, 'POST', 'chat/completions', body, guard, MAX_ERROR_BYTES)
      // A client error (model not offered, parameter refused), a 5xx or no answer says nothing
      // about the key: the free check's verdict stands.
      const telling = ['success', 'invalid', 'exhausted', 'rate-limited'].includes(
        paid.outcome.kind,
      )
      return { outcome: telling ? paid.outcome : listed.outcome, models }
    } finally {
      guard.dispose()
    }
  }

  /** Closes the Agent (when it made its own), dropping idle keep-alive connections. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.destroy()
  }

  private async send(
    probe: ProbeRequest,
    method: 'GET' | 'POST',
    endpoint: string,
    body: string | undefined,
    guard: CheckGuard,
    maxBytes: number,
  ): Promise<{ outcome: UpstreamOutcome; body: unknown }> {
    try {
      const { origin, path } = upstreamTarget(probe.baseUrl, endpoint)
      const headers: Record<string, string> = {
        authorization: `Bearer ${probe.secret}`,
        accept: 'application/json',
      }
      if (body !== undefined) headers['content-type'] = 'application/json'
      const answer = ProbeAnswer.send(
        this.dispatcher,
        { origin, path, method, headers, ...(body !== undefined && { body }) },
        (status) => (status >= 200 && status < 300 ? maxBytes : MAX_ERROR_BYTES),
      )
      guard.watch(answer)
      const { statusCode, headers: answered, text } = await answer.done
      const parsed = parseLoose(text)
      const outcome = classifyUpstreamResponse(statusCode, answered, parsed, this.now())
      return { outcome, body: parsed }
    } catch (error) {
      // Cancellation is the caller's business, not an answer about the key.
      if (guard.reason && !isTimeout(guard.reason)) throw guard.reason
      return { outcome: classifyNetworkError(networkErrorKind(error)), body: undefined }
    }
  }
}

const isTimeout = (reason: unknown): boolean =>
  (reason as { name?: unknown } | undefined)?.name === 'TimeoutError'

/** JSON when it parses, else the text itself (classification reads either). */
function parseLoose(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text.slice(0, 500)
  }
}

/** `{data: [{id}]}` as OpenAI (and every compatible upstream) lists models; else unknown. */
export function modelIds(body: unknown): string[] | null {
  const data = (body as { data?: unknown } | undefined)?.data
  if (!Array.isArray(data)) return null
  const ids = new Set<string>()
  for (const entry of data) {
    const id = (entry as { id?: unknown } | null)?.id
    if (typeof id === 'string' && id.length > 0 && id.length <= 300) ids.add(id)
  }
  return [...ids]
}
