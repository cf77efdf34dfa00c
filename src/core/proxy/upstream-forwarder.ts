import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Settings } from '../../shared/contract/settings'
import { ProxyError } from '../../shared/proxy-errors'
import type { Clock } from '../clock'
import type { Logger } from '../logger'
import { classifyNetworkError, classifyUpstreamResponse, type UpstreamOutcome } from '../pool'
import type { KeyRouter, NoRoute, RouteTarget } from '../routing/key-router'
import type { ModelMatcher } from '../sub-keys/model-policy'
import type { RequestTrace } from '../usage/request-trace'
import { forwardRequestHeaders, forwardResponseHeaders } from './header-filter'
import { filterModelList, isModelList } from './models-list'
import { networkErrorKind } from '../pool/network-error-kind'
import { readErrorBody, redactSecret } from './read-error-body'
import { relayResponse } from './response-relay'
import type { TokenUsage } from './token-usage'
import type { Cancellation } from './cancellation'
import type { UpstreamDispatcher } from './upstream-dispatcher'
import { UpstreamExchange, type UpstreamHead } from './upstream-exchange'
import { upstreamTarget } from './upstream-target'

/**
 * A key that a failure took out of rotation (401, quota, rate limit) is the key's fault, not the
 * request's: moving on from it spends no attempt, up to this many keys per request, so a pool
 * whose first keys are dead still serves while a good key exists.
 */
export const MAX_DEAD_KEY_SKIPS = 16

/** Upstream model lists are small; this bounds the one body the proxy rewrites. */
const maxModelListBytes = 8 * 1024 * 1024

export interface ForwardInput {
  res: ServerResponse
  method: string
  /** The client's request target (`/v1/...?query`). */
  target: string
  headers: IncomingHttpHeaders
  body: Buffer
  model: string | null
  stripUsageChunk: boolean
  providerId: number | null
  models: ModelMatcher
  /** Cancelled when the client leaves or the proxy stops. */
  cancellation: Cancellation
  /** Filled in as the request is served: the key tried, the status and bytes sent (issue 5). */
  trace: RequestTrace
}

export interface ForwardResult {
  /** Something of an upstream answer reached the client: the reservation is spent. */
  delivered: boolean
  keyId: number | null
  usage: TokenUsage | null
}

export interface UpstreamForwarderDependencies {
  router: KeyRouter
  dispatcher: UpstreamDispatcher
  settings: () => Settings
  clock: Clock
  logger: Logger
}

/** An answer's head, and the exchange its body still flows through. */
interface UpstreamResponse extends UpstreamHead {
  exchange: UpstreamExchange
}

type Attempt =
  | { kind: 'response'; response: UpstreamResponse }
  | { kind: 'network'; failure: ProxyError }
  | { kind: 'aborted' }

const notDelivered: ForwardResult = { delivered: false, keyId: null, usage: null }

/**
 * Sends one admitted request upstream with failover (SPEC §4): until the first byte reaches the
 * client, a network error, timeout, 401/403, 429 or 5xx (5xx once) moves it to another key,
 * within `maxAttempts` and an overall deadline. Client errors are passed through and never
 * blamed on the key. Every failed answer's body is consumed or destroyed (P8).
 */
export class UpstreamForwarder {
  constructor(private readonly deps: UpstreamForwarderDependencies) {}

  async forward(input: ForwardInput): Promise<ForwardResult> {
    const proxy = this.deps.settings().proxy
    const deadline = Date.now() + proxy.connectTimeoutMs + proxy.firstByteTimeoutMs
    const exclude = new Set<number>()
    let attempts = 0
    let skips = 0
    let serverErrors = 0
    let failure: ProxyError | null = null
    while (attempts < proxy.maxAttempts) {
      if (input.cancellation.aborted) return notDelivered
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        failure ??= new ProxyError('upstream_timeout')
        break
      }
      const route = this.deps.router.choose(input.model, {
        providerId: input.providerId,
        exclude,
      })
      if ('error' in route) {
        failure ??= noKeyError(route)
        break
      }
      exclude.add(route.keyId)
      input.trace.keyId = route.keyId
      input.trace.providerId = route.providerId
      input.trace.attempts++
      const attempt = await this.send(input, route, Math.min(proxy.firstByteTimeoutMs, remaining))
      if (attempt.kind === 'aborted') return notDelivered
      if (attempt.kind === 'network') {
        attempts++
        failure = attempt.failure
        continue
      }
      const { response } = attempt
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return this.deliver(input, route, response)
      }
      const error = await readErrorBody(response.exchange)
      if (input.cancellation.aborted) return notDelivered
      const outcome = classifyUpstreamResponse(
        response.statusCode,
        response.headers,
        error.json,
        this.deps.clock.now(),
      )
      const decision = this.deps.router.report(route.keyId, outcome, response.headers)
      this.deps.logger.debug('upstream attempt failed', {
        keyId: route.keyId,
        status: response.statusCode,
        outcome: outcome.kind,
      })
      if (!decision?.retryOtherKey) {
        passThrough(input.res, response, redactSecret(error.bytes, route.secret), input.trace)
        return { delivered: true, keyId: route.keyId, usage: null }
      }
      if (outcome.kind === 'server-error') {
        attempts++
        serverErrors++
        failure = new ProxyError(
          'upstream_unreachable',
          `The upstream API answered HTTP ${response.statusCode}`,
        )
        if (serverErrors >= 2) break
        continue
      }
      if (this.deps.router.key(route.keyId)?.state !== 'active' && skips < MAX_DEAD_KEY_SKIPS) {
        skips++
      } else attempts++
      failure = null
    }
    throw failure ?? noKeyError(this.deps.router.noRoute(input.model, input.providerId))
  }

  private async send(input: ForwardInput, route: RouteTarget, headersTimeout: number) {
    const proxy = this.deps.settings().proxy
    const target = upstreamTarget(route.baseUrl, input.target)
    const exchange = UpstreamExchange.send(
      this.deps.dispatcher.current,
      {
        origin: target.origin,
        path: target.path,
        method: input.method,
        headers: forwardRequestHeaders(input.headers, route.secret),
        body: input.body.length > 0 ? input.body : null,
        headersTimeout,
        bodyTimeout: proxy.idleTimeoutMs,
      },
      input.cancellation,
    )
    try {
      const head = await exchange.head
      return { kind: 'response', response: { ...head, exchange } } satisfies Attempt
    } catch (error) {
      if (input.cancellation.aborted) return { kind: 'aborted' } satisfies Attempt
      const kind = networkErrorKind(error)
      this.report(route.keyId, classifyNetworkError(kind))
      this.deps.logger.debug('upstream attempt failed', { keyId: route.keyId, network: kind })
      const code = kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable'
      return { kind: 'network', failure: new ProxyError(code) } satisfies Attempt
    }
  }

  private async deliver(
    input: ForwardInput,
    route: RouteTarget,
    response: UpstreamResponse,
  ): Promise<ForwardResult> {
    this.report(
      route.keyId,
      classifyUpstreamResponse(response.statusCode, response.headers, null, this.deps.clock.now()),
      response.headers,
    )
    if (input.cancellation.aborted) {
      response.exchange.abort()
      return notDelivered
    }
    if (isModelList(input.method, input.target) && !input.models.unrestricted) {
      const list = await readErrorBody(response.exchange, maxModelListBytes)
      if (input.cancellation.aborted) return notDelivered
      const filtered = list.truncated ? null : filterModelList(list.bytes, input.models)
      if (filtered === null) throw new ProxyError('upstream_unreachable', 'Bad model list')
      passThrough(input.res, response, filtered, input.trace)
      return { delivered: true, keyId: route.keyId, usage: null }
    }
    const result = await relayResponse({
      res: input.res,
      statusCode: response.statusCode,
      headers: response.headers,
      exchange: response.exchange,
      stripUsageChunk: input.stripUsageChunk,
      cancellation: input.cancellation,
      trace: input.trace,
    })
    if (result.ended === 'upstream-failed') {
      this.deps.logger.debug('upstream failed mid-response', {
        keyId: route.keyId,
        network: result.error,
      })
    }
    if (result.usage) this.deps.router.addTokens(route.keyId, result.usage.totalTokens)
    return { delivered: true, keyId: route.keyId, usage: result.usage }
  }

  private report(keyId: number, outcome: UpstreamOutcome, headers?: IncomingHttpHeaders): void {
    this.deps.router.report(keyId, outcome, headers)
  }
}

function noKeyError(route: RouteTarget | NoRoute): ProxyError {
  const retryAfter = 'error' in route ? route.retryAfterSeconds : null
  return new ProxyError('no_available_key', undefined, null, retryAfter)
}

/** An upstream answer the proxy holds whole (an error, a filtered model list), sent as is. */
function passThrough(
  res: ServerResponse,
  response: UpstreamHead,
  bytes: Buffer,
  trace: RequestTrace,
): void {
  const headers = forwardResponseHeaders(response.headers, { bodyAltered: true })
  headers['content-length'] = String(bytes.length)
  res.writeHead(response.statusCode, headers)
  res.end(bytes)
  trace.status = response.statusCode
  trace.firstByteAt = performance.now()
  trace.bytesOut = bytes.length
}
