import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Settings } from '../../shared/contract/settings'
import { ProxyError } from '../../shared/proxy-errors'
import type { Clock } from '../clock'
import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import type { KeyRouter } from '../routing/key-router'
import type { UsageBatchWriter } from '../routing/usage-batch-writer'
import { RpmLimiter } from '../sub-keys/rpm-limiter'
import { admitModelAndRate, admitSubKey } from '../sub-keys/sub-key-admission'
import type { SubKeyEntry } from '../sub-keys/sub-key-directory'
import type { SubKeyService } from '../sub-keys/sub-key-service'
import { CLIENT_CLOSED_STATUS, outcomeOf, type CompletedRequest } from '../usage/completed-request'
import { newRequestTrace, type RequestTrace } from '../usage/request-trace'
import { bodyLimitFor, checkDeclaredLength, readBodyWithLimit } from './body-limit'
import { Cancellation } from './cancellation'
import { InFlightRequests } from './in-flight-requests'
import { readRequestModel } from './request-model'
import { sendProxyError } from './send-proxy-error'
import { routeOf } from './route-path'
import { requestStreamUsage } from './stream-options'
import { UpstreamDispatcher, type UpstreamDispatcherOptions } from './upstream-dispatcher'
import { UpstreamForwarder } from './upstream-forwarder'

export interface ProxyHandlerDependencies {
  subKeys: SubKeyService
  router: KeyRouter
  usage: UsageBatchWriter
  settings: () => Settings
  events: EventBus
  clock: Clock
  logger: Logger
  /** Takes one completed-request record per admitted request (request log and statistics). */
  recorder?: { record(request: CompletedRequest): void }
}

/** Longest model name or route a log row keeps; clients choose both. */
const MAX_LOGGED_TEXT = 200

/**
 * `ANY /v1/*` (SPEC §4). Everything that can refuse a request does so before any upstream call,
 * cheapest first: the sub-key and its status, the concurrency cap, the body (size limit, P2),
 * the model and its policy, the RPM limit, then the one atomic reservation (D4). A reservation
 * is refunded only when nothing of an upstream answer reached the client.
 */
export class ProxyHandler {
  readonly inFlight = new InFlightRequests()
  private readonly rpm: RpmLimiter
  private readonly dispatcher: UpstreamDispatcher
  private readonly forwarder: UpstreamForwarder
  private readonly unsubscribe: () => void

  constructor(private readonly deps: ProxyHandlerDependencies) {
    this.rpm = new RpmLimiter(deps.clock)
    this.dispatcher = new UpstreamDispatcher(dispatcherOptions(deps.settings()))
    this.forwarder = new UpstreamForwarder({
      router: deps.router,
      dispatcher: this.dispatcher,
      settings: deps.settings,
      clock: deps.clock,
      logger: deps.logger,
    })
    this.unsubscribe = deps.events.on('settings.changed', (settings) =>
      this.dispatcher.configure(dispatcherOptions(settings)),
    )
  }

  /** The route handler to mount at `/v1`. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let entry: SubKeyEntry
    try {
      entry = admitSubKey(req.headers, this.deps.subKeys.directory, this.deps.clock.now())
      if (this.inFlight.size >= this.deps.settings().proxy.maxConcurrentRequests) {
        throw new ProxyError('too_many_requests', undefined, null, 1)
      }
    } catch (error) {
      sendProxyError(res, error, { closeConnection: true })
      return Promise.resolve()
    }
    const cancellation = new Cancellation()
    const socket = req.socket
    // `on`, not `once`: a response closes once, and `once` wraps the listener in a closure.
    res.on('close', () => {
      if (res.writableFinished) return
      cancellation.abort()
      // An unfinished exchange leaves the connection unusable; a half-open socket left behind
      // would also hold the listener's drain at stop (P9).
      socket.destroy()
    })
    this.inFlight.begin(cancellation)
    return this.serve(req, res, entry, cancellation)
  }

  /** Cuts every request still under way and closes the upstream connections (P9). */
  async close(settleMs = 2_000): Promise<void> {
    this.unsubscribe()
    this.inFlight.abortAll()
    await this.inFlight.settled(settleMs)
    await this.dispatcher.destroy()
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    entry: SubKeyEntry,
    cancellation: Cancellation,
  ): Promise<void> {
    const id = entry.record.id
    const started = performance.now()
    const trace = newRequestTrace()
    const method = (req.method ?? 'GET').toUpperCase()
    const target = req.url ?? '/v1'
    let model: string | null = null
    let failure: unknown = null
    let bodyRead = false
    let reserved = false
    let delivered = false
    try {
      const proxy = this.deps.settings().proxy
      const contentType = req.headers['content-type']
      const limit = bodyLimitFor(contentType, proxy)
      checkDeclaredLength(req.headers, limit)
      const body = await readBodyWithLimit(req, limit)
      bodyRead = true
      const request = readRequestModel({ method, path: target, contentType, body })
      model = request.model
      const { json } = request
      admitModelAndRate(entry, model, this.rpm, { method, path: target })
      if (entry.record.maxRequests !== null) {
        if (!this.deps.subKeys.reserve(id)) throw new ProxyError('sub_key_exhausted')
        reserved = true
      }
      const edit = requestStreamUsage(method, target, body, json)
      const result = await this.forwarder.forward({
        res,
        method,
        target,
        headers: req.headers,
        body: edit.body,
        model,
        stripUsageChunk: edit.stripUsageChunk,
        providerId: entry.record.providerId,
        models: entry.models,
        cancellation,
        trace,
      })
      trace.usage = result.usage
      delivered = result.delivered
      if (delivered) this.countUsage(id, result.usage?.totalTokens ?? 0)
    } catch (error) {
      failure = error
      if (!(error instanceof ProxyError)) {
        this.deps.logger.error('proxy request failed', {
          subKeyId: id,
          error: error instanceof Error ? error.name : 'unknown',
        })
      }
      if (!cancellation.aborted) sendProxyError(res, error, { closeConnection: !bodyRead })
    } finally {
      try {
        if (reserved && !delivered) this.deps.subKeys.refund(id)
        this.record({
          subKeyId: id,
          method,
          target,
          model,
          started,
          trace,
          failure,
          cancellation,
          res,
        })
      } finally {
        this.inFlight.end(cancellation)
      }
    }
  }

  /** One log row per admitted request, whatever happened to it (issue 5). Memory only. */
  private record(request: {
    subKeyId: number
    method: string
    target: string
    model: string | null
    started: number
    trace: RequestTrace
    failure: unknown
    cancellation: Cancellation
    res: ServerResponse
  }): void {
    const recorder = this.deps.recorder
    if (!recorder) return
    const { trace, failure } = request
    // The socket may be gone before its 'close' event has cancelled the request.
    const unfinished = request.res.destroyed && !request.res.writableFinished
    const clientGone = !trace.upstreamFailed && (request.cancellation.aborted || unfinished)
    const proxyError = failure instanceof ProxyError ? failure : null
    const status =
      trace.status ??
      (clientGone ? CLIENT_CLOSED_STATUS : (proxyError?.status ?? (failure ? 500 : 200)))
    let errorCode: string | null = null
    if (proxyError) errorCode = proxyError.code
    else if (failure) errorCode = 'internal_error'
    else if (trace.upstreamFailed) {
      errorCode = trace.upstreamTimedOut ? 'upstream_timeout' : 'upstream_unreachable'
    } else if (clientGone) errorCode = 'client_closed'
    const usage = trace.usage
    const now = performance.now()
    recorder.record({
      at: this.deps.clock.now(),
      subKeyId: request.subKeyId,
      providerId: trace.providerId,
      keyId: trace.keyId,
      model: request.model === null ? null : request.model.slice(0, MAX_LOGGED_TEXT),
      method: request.method.slice(0, 16),
      endpoint: routeOf(request.target).slice(0, MAX_LOGGED_TEXT),
      status,
      outcome: outcomeOf(status, { clientGone, upstreamFailed: trace.upstreamFailed }),
      errorCode,
      latencyMs: Math.max(0, Math.round(now - request.started)),
      ttfbMs:
        trace.firstByteAt === null
          ? null
          : Math.max(0, Math.round(trace.firstByteAt - request.started)),
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
      cachedTokens: usage?.cachedTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      totalTokens: usage?.totalTokens ?? 0,
      streamed: trace.streamed,
      bytesOut: trace.bytesOut,
      attempts: trace.attempts,
    })
  }

  private countUsage(subKeyId: number, tokens: number): void {
    const now = this.deps.clock.now()
    this.deps.subKeys.noteUsage(subKeyId, tokens, now)
    this.deps.usage.addSubKey({ id: subKeyId, requests: 1, tokens, lastUsedAt: now })
  }
}

function dispatcherOptions(settings: Settings): UpstreamDispatcherOptions {
  return {
    connectTimeoutMs: settings.proxy.connectTimeoutMs,
    connections: settings.proxy.maxUpstreamConnections,
  }
}
