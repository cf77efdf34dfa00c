import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Settings } from '../../shared/contract/settings'
import { ProxyError } from '../../shared/proxy-errors'
import { RpmLimiter } from '../sub-keys/rpm-limiter'
import { admitSubKey } from '../sub-keys/sub-key-admission'
import type { SubKeyEntry } from '../sub-keys/sub-key-directory'
import { Cancellation } from './cancellation'
import { InFlightRequests } from './in-flight-requests'
import type { ProxyHandlerDependencies } from './proxy-dependencies'
import { ProxiedRequest, type ProxyContext } from './proxied-request'
import { sendProxyError } from './send-proxy-error'
import { UpstreamDispatcher, type UpstreamDispatcherOptions } from './upstream-dispatcher'

/**
 * `ANY /v1/*` (SPEC §4): admits the sub-key and the request within the concurrency cap, then
 * hands it to a `ProxiedRequest`. Owns what all requests share: the upstream connection pool,
 * the RPM limiter and the requests in flight (cut at a stop, P9).
 */
export class ProxyHandler {
  readonly inFlight = new InFlightRequests()
  private readonly context: ProxyContext
  private readonly dispatcher: UpstreamDispatcher
  private readonly unsubscribe: () => void

  constructor(private readonly deps: ProxyHandlerDependencies) {
    this.dispatcher = new UpstreamDispatcher(dispatcherOptions(deps.settings()))
    this.context = {
      deps,
      rpm: new RpmLimiter(deps.clock),
      dispatcher: this.dispatcher,
      inFlight: this.inFlight,
    }
    this.unsubscribe = deps.events.on('settings.changed', (settings) =>
      this.dispatcher.configure(dispatcherOptions(settings)),
    )
  }

  /** The route handler to mount at `/v1`. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    let entry: SubKeyEntry
    try {
      entry = admitSubKey(
        req.headers,
        this.deps.subKeys.directory,
        this.deps.clock.now(),
        req.socket,
      )
      if (this.inFlight.size >= this.deps.settings().proxy.maxConcurrentRequests) {
        throw new ProxyError('too_many_requests', undefined, null, 1)
      }
    } catch (error) {
      sendProxyError(res, error, { closeConnection: true })
      return
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
    new ProxiedRequest(this.context, req, res, entry, cancellation).start()
  }

  /** Cuts every request still under way and closes the upstream connections (P9). */
  async close(settleMs = 2_000): Promise<void> {
    this.unsubscribe()
    this.inFlight.abortAll()
    await this.inFlight.settled(settleMs)
    await this.dispatcher.destroy()
  }
}

function dispatcherOptions(settings: Settings): UpstreamDispatcherOptions {
  return {
    connectTimeoutMs: settings.proxy.connectTimeoutMs,
    connections: settings.proxy.maxUpstreamConnections,
  }
}
