import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { ProxyError } from '../../shared/proxy-errors'
import { classifyNetworkError, classifyUpstreamResponse } from '../pool'
import { networkErrorKind } from '../pool/network-error-kind'
import type { NoRoute, RouteOptions, RouteTarget } from '../routing/key-router'
import type { RpmLimiter } from '../sub-keys/rpm-limiter'
import { admitModelAndRate } from '../sub-keys/sub-key-admission'
import type { SubKeyEntry } from '../sub-keys/sub-key-directory'
import { CLIENT_CLOSED_STATUS, outcomeOf } from '../usage/completed-request'
import type { RequestTrace } from '../usage/request-trace'
import { bodyLimitFor, checkDeclaredLength, readBody, type BodyListener } from './body-limit'
import type { Cancellation } from './cancellation'
import { forwardRequestHeaders, forwardResponseHeaders } from './header-filter'
import type { InFlightRequests } from './in-flight-requests'
import { filterModelList, isModelList } from './models-list'
import type { ProxyHandlerDependencies } from './proxy-dependencies'
import { readErrorBody, redactSecret } from './read-error-body'
import { readRequestModel } from './request-model'
import { ResponseRelay, type RelayListener, type RelayResult } from './response-relay'
import { routeOf } from './route-path'
import { sendProxyError } from './send-proxy-error'
import { requestStreamUsage } from './stream-options'
import type { TokenUsage } from './token-usage'
import type { UpstreamDispatcher } from './upstream-dispatcher'
import { UpstreamExchange, type HeadListener, type UpstreamHead } from './upstream-exchange'
import { upstreamTarget } from './upstream-target'

/** What every request of one proxy shares. */
export interface ProxyContext {
  readonly deps: ProxyHandlerDependencies
  readonly rpm: RpmLimiter
  readonly dispatcher: UpstreamDispatcher
  readonly inFlight: InFlightRequests
}

/**
 * A key that a failure took out of rotation (401, quota, rate limit) is the key's fault, not the
 * request's: moving on from it spends no attempt, up to this many keys per request, so a pool
 * whose first keys are dead still serves while a good key exists.
 */
export const MAX_DEAD_KEY_SKIPS = 16

/** Upstream model lists are small; this bounds the one body the proxy rewrites. */
const maxModelListBytes = 8 * 1024 * 1024

/** Longest model name or route a log row keeps; clients choose both. */
const MAX_LOGGED_TEXT = 200

const noBody = Buffer.alloc(0)

/**
 * One admitted request of `ANY /v1/*` (SPEC §4), from its body to its log row. Everything that
 * can refuse it does so before any upstream call, cheapest first: the body (size limit, P2), the
 * model and its policy, the RPM limit, then the one atomic reservation (D4). Then it is sent
 * upstream with failover: until the first byte reaches the client, a network error, timeout,
 * 401/403, 429 or 5xx (5xx once) moves it to another key, within `maxAttempts` and an overall
 * deadline. Client errors are passed through and never blamed on the key; every failed answer's
 * body is consumed or destroyed (P8). A reservation is refunded only when nothing of an upstream
 * answer reached the client.
 *
 * A state machine driven by callbacks (the body's events, the exchange's head, the relay's end),
 * not a chain of async functions: it runs for every proxied request, and a dozen promise turns
 * measured more than the rest of its bookkeeping (docs/performance.md). The request is its own
 * `RequestTrace`, and `finish` runs exactly once, whatever happened.
 */
export class ProxiedRequest implements BodyListener, HeadListener, RelayListener, RequestTrace {
  keyId: number | null = null
  providerId: number | null = null
  attempts = 0
  status: number | null = null
  firstByteAt: number | null = null
  bytesOut = 0
  streamed = false
  usage: TokenUsage | null = null
  upstreamFailed = false
  upstreamTimedOut = false

  private readonly started = performance.now()
  private readonly method: string
  private readonly target: string
  private model: string | null = null
  private body: Buffer = noBody
  private stripUsageChunk = false
  private bodyWasRead = false
  private reserved = false
  private delivered = false
  private settled = false
  /** Failover: attempts that count against `maxAttempts`, dead keys skipped, 5xx answers. */
  private countedAttempts = 0
  private skips = 0
  private serverErrors = 0
  private failure: ProxyError | null = null
  private deadline = 0
  /** The clock read that set `deadline`. */
  private admittedAt = 0
  /**
   * Keys already tried, for failover: made at the second attempt (most requests take one), from
   * the first attempt's key and any the router found unreadable.
   */
  private tried: Set<number> | undefined = undefined
  private route: RouteTarget | null = null

  constructor(
    private readonly context: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly entry: SubKeyEntry,
    private readonly cancellation: Cancellation,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase()
    this.target = req.url ?? '/v1'
  }

  /** Checks the declared body length, then reads the body. */
  start(): void {
    let limit: number
    try {
      limit = bodyLimitFor(this.req.headers['content-type'], this.context.deps.settings().proxy)
      checkDeclaredLength(this.req.headers, limit)
    } catch (error) {
      return this.fail(error)
    }
    readBody(this.req, limit, this)
  }

  bodyRead(body: Buffer): void {
    this.bodyWasRead = true
    const { deps, rpm } = this.context
    try {
      const request = readRequestModel({
        method: this.method,
        path: this.target,
        contentType: this.req.headers['content-type'],
        body,
      })
      const model = request.model
      this.model = model
      admitModelAndRate(this.entry, model, rpm, { method: this.method, path: this.target })
      if (this.entry.record.maxRequests !== null) {
        if (!deps.subKeys.reserve(this.entry.record.id)) {
          throw new ProxyError('sub_key_exhausted')
        }
        this.reserved = true
      }
      const edit = requestStreamUsage(this.method, this.target, body, request.topLevel)
      this.body = edit.body
      this.stripUsageChunk = edit.stripUsageChunk
      const proxy = deps.settings().proxy
      this.admittedAt = Date.now()
      this.deadline = this.admittedAt + proxy.connectTimeoutMs + proxy.firstByteTimeoutMs
    } catch (error) {
      return this.fail(error)
    }
    this.nextAttempt()
  }

  bodyFailed(error: ProxyError): void {
    this.fail(error)
  }

  /** Sends the request to the next key, or gives up. */
  private nextAttempt(): void {
    const { deps, dispatcher } = this.context
    try {
      if (this.cancellation.aborted) return this.finish()
      const proxy = deps.settings().proxy
      if (this.countedAttempts >= proxy.maxAttempts) return this.giveUp()
      // The first attempt starts in the turn that set the deadline: no second clock read.
      const remaining = this.deadline - (this.attempts === 0 ? this.admittedAt : Date.now())
      if (remaining <= 0) {
        this.failure ??= new ProxyError('upstream_timeout')
        return this.giveUp()
      }
      if (this.route !== null) (this.tried ??= new Set()).add(this.route.keyId)
      const options: RouteOptions = {
        providerId: this.entry.record.providerId,
        exclude: this.tried,
      }
      const route = deps.router.choose(this.model, options)
      this.tried = options.exclude
      if ('error' in route) {
        this.failure ??= noKeyError(route)
        return this.giveUp()
      }
      this.route = route
      this.keyId = route.keyId
      this.providerId = route.providerId
      this.attempts++
      const target = upstreamTarget(route.baseUrl, this.target)
      UpstreamExchange.send(
        dispatcher.current,
        {
          origin: target.origin,
          path: target.path,
          method: this.method,
          headers: forwardRequestHeaders(this.req.headers, route.secret),
          body: this.body.length > 0 ? this.body : null,
          headersTimeout: Math.min(proxy.firstByteTimeoutMs, remaining),
          bodyTimeout: proxy.idleTimeoutMs,
        },
        this.cancellation,
        this,
      )
    } catch (error) {
      this.fail(error)
    }
  }

  headReceived(exchange: UpstreamExchange, head: UpstreamHead): void {
    try {
      if (head.statusCode >= 200 && head.statusCode < 300) this.deliver(exchange, head)
      else this.refused(exchange, head).catch((error: unknown) => this.fail(error))
    } catch (error) {
      exchange.abort()
      this.fail(error)
    }
  }

  headFailed(_exchange: UpstreamExchange, error: Error): void {
    if (this.cancellation.aborted) return this.finish()
    const { deps } = this.context
    const kind = networkErrorKind(error)
    const keyId = this.route!.keyId
    deps.router.report(keyId, classifyNetworkError(kind))
    deps.logger.debug('upstream attempt failed', { keyId, network: kind })
    this.countedAttempts++
    this.failure = new ProxyError(kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable')
    // Not from inside undici's callback (or `send` itself, for a request cancelled early).
    queueMicrotask(() => this.nextAttempt())
  }

  /** A 2xx: the key did its job; relay the answer (or the sub-key's share of a model list). */
  private deliver(exchange: UpstreamExchange, head: UpstreamHead): void {
    const { deps } = this.context
    const route = this.route!
    const now = deps.clock.now()
    deps.router.report(
      route.keyId,
      classifyUpstreamResponse(head.statusCode, head.headers, null, now),
      head.headers,
      now,
    )
    if (this.cancellation.aborted) {
      exchange.abort()
      return this.finish()
    }
    if (isModelList(this.method, this.target) && !this.entry.models.unrestricted) {
      this.deliverModelList(exchange, head).catch((error: unknown) => this.fail(error))
      return
    }
    new ResponseRelay(
      this.res,
      head,
      exchange,
      { stripUsageChunk: this.stripUsageChunk, cancellation: this.cancellation, trace: this },
      this,
    )
  }

  relayEnded(result: RelayResult): void {
    const { deps } = this.context
    const keyId = this.route!.keyId
    if (result.ended === 'upstream-failed') {
      deps.logger.debug('upstream failed mid-response', { keyId, network: result.error })
    }
    if (result.usage) deps.router.addTokens(keyId, result.usage.totalTokens)
    this.usage = result.usage
    this.delivered = true
    this.finish()
  }

  private async deliverModelList(exchange: UpstreamExchange, head: UpstreamHead): Promise<void> {
    const list = await readErrorBody(exchange, maxModelListBytes)
    if (this.cancellation.aborted) return this.finish()
    const filtered = list.truncated ? null : filterModelList(list.bytes, this.entry.models)
    if (filtered === null) throw new ProxyError('upstream_unreachable', 'Bad model list')
    passThrough(this.res, head, filtered, this)
    this.delivered = true
    this.finish()
  }

  /** A non-2xx answer: classify it, then pass it through or move on to another key. */
  private async refused(exchange: UpstreamExchange, head: UpstreamHead): Promise<void> {
    const { deps } = this.context
    const route = this.route!
    const error = await readErrorBody(exchange)
    if (this.cancellation.aborted) return this.finish()
    const outcome = classifyUpstreamResponse(
      head.statusCode,
      head.headers,
      error.json,
      deps.clock.now(),
    )
    const decision = deps.router.report(route.keyId, outcome, head.headers)
    deps.logger.debug('upstream attempt failed', {
      keyId: route.keyId,
      status: head.statusCode,
      outcome: outcome.kind,
    })
    if (!decision?.retryOtherKey) {
      passThrough(this.res, head, redactSecret(error.bytes, route.secret), this)
      this.delivered = true
      return this.finish()
    }
    if (outcome.kind === 'server-error') {
      this.countedAttempts++
      this.serverErrors++
      this.failure = new ProxyError(
        'upstream_unreachable',
        `The upstream API answered HTTP ${head.statusCode}`,
      )
      if (this.serverErrors >= 2) return this.giveUp()
      return this.nextAttempt()
    }
    if (deps.router.key(route.keyId)?.state !== 'active' && this.skips < MAX_DEAD_KEY_SKIPS) {
      this.skips++
    } else this.countedAttempts++
    this.failure = null
    this.nextAttempt()
  }

  /** No attempt left: the last failure, or why no key can take the request. */
  private giveUp(): void {
    const { router } = this.context.deps
    this.fail(this.failure ?? noKeyError(router.noRoute(this.model, this.entry.record.providerId)))
  }

  /** Answers a failure (unless the client has left) and finishes. */
  private fail(error: unknown): void {
    if (this.settled) return
    if (!(error instanceof ProxyError)) {
      this.context.deps.logger.error('proxy request failed', {
        subKeyId: this.entry.record.id,
        error: error instanceof Error ? error.name : 'unknown',
      })
    }
    try {
      if (!this.cancellation.aborted) {
        sendProxyError(this.res, error, { closeConnection: !this.bodyWasRead })
      }
    } finally {
      this.finish(error)
    }
  }

  /** Counts, refunds and records the request, once, and takes it off the in-flight set. */
  private finish(failure: unknown = null): void {
    if (this.settled) return
    this.settled = true
    const { deps, inFlight } = this.context
    const id = this.entry.record.id
    // One clock read for the counters and the log row of the same request.
    const now = deps.clock.now()
    try {
      if (this.delivered) {
        const tokens = this.usage?.totalTokens ?? 0
        deps.subKeys.noteUsage(id, tokens, now)
        deps.usage.addSubKey({ id, requests: 1, tokens, lastUsedAt: now })
      } else if (this.reserved) deps.subKeys.refund(id)
      this.record(failure, now)
    } catch (error) {
      deps.logger.error('proxy request bookkeeping failed', {
        subKeyId: id,
        error: error instanceof Error ? error.name : 'unknown',
      })
    } finally {
      inFlight.end(this.cancellation)
    }
  }

  /** One log row per admitted request, whatever happened to it (issue 5). Memory only. */
  private record(failure: unknown, now: number): void {
    const { recorder } = this.context.deps
    if (!recorder) return
    // The socket may be gone before its 'close' event has cancelled the request.
    const unfinished = this.res.destroyed && !this.res.writableFinished
    const clientGone = !this.upstreamFailed && (this.cancellation.aborted || unfinished)
    const proxyError = failure instanceof ProxyError ? failure : null
    const status =
      this.status ??
      (clientGone ? CLIENT_CLOSED_STATUS : (proxyError?.status ?? (failure ? 500 : 200)))
    let errorCode: string | null = null
    if (proxyError) errorCode = proxyError.code
    else if (failure) errorCode = 'internal_error'
    else if (this.upstreamFailed) {
      errorCode = this.upstreamTimedOut ? 'upstream_timeout' : 'upstream_unreachable'
    } else if (clientGone) errorCode = 'client_closed'
    const usage = this.usage
    const model = this.model
    recorder.record({
      at: now,
      subKeyId: this.entry.record.id,
      providerId: this.providerId,
      keyId: this.keyId,
      model: model === null ? null : model.slice(0, MAX_LOGGED_TEXT),
      method: this.method.slice(0, 16),
      endpoint: routeOf(this.target).slice(0, MAX_LOGGED_TEXT),
      status,
      outcome: outcomeOf(status, { clientGone, upstreamFailed: this.upstreamFailed }),
      errorCode,
      latencyMs: Math.max(0, Math.round(performance.now() - this.started)),
      ttfbMs:
        this.firstByteAt === null ? null : Math.max(0, Math.round(this.firstByteAt - this.started)),
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
      cachedTokens: usage?.cachedTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      totalTokens: usage?.totalTokens ?? 0,
      streamed: this.streamed,
      bytesOut: this.bytesOut,
      attempts: this.attempts,
    })
  }
}

function noKeyError(route: RouteTarget | NoRoute): ProxyError {
  const retryAfter = 'error' in route ? route.retryAfterSeconds : null
  return new ProxyError('no_available_key', undefined, null, retryAfter)
}

/** An upstream answer the proxy holds whole (an error, a filtered model list), sent as is. */
function passThrough(
  res: ServerResponse,
  head: { statusCode: number; headers: IncomingHttpHeaders },
  bytes: Buffer,
  trace: RequestTrace,
): void {
  const headers = forwardResponseHeaders(head.headers, { bodyAltered: true })
  headers.push('content-length', String(bytes.length))
  res.writeHead(head.statusCode, headers)
  res.end(bytes)
  trace.status = head.statusCode
  trace.firstByteAt = performance.now()
  trace.bytesOut = bytes.length
}
