import { Agent, type Dispatcher } from 'undici'

export interface UpstreamDispatcherOptions {
  connectTimeoutMs: number
  /** Connections per upstream origin: bounded (SECURITY P8); the setting `maxUpstreamConnections`. */
  connections: number
}

/**
 * The one undici dispatcher of the proxy: a keep-alive Agent with a bounded number of
 * connections per origin. The connect timeout and the connection cap live in the Agent, so a
 * changed setting swaps in a new Agent; the old one finishes its requests and closes. Header and
 * body timeouts are passed per request and need no swap.
 */
export class UpstreamDispatcher {
  private agent: Agent
  private options: UpstreamDispatcherOptions
  private readonly retired = new Set<Agent>()

  constructor(options: UpstreamDispatcherOptions) {
    this.options = { ...options }
    this.agent = this.create()
  }

  get current(): Dispatcher {
    return this.agent
  }

  /** Applies new options to the requests that start from now on. */
  configure(options: UpstreamDispatcherOptions): void {
    if (
      options.connectTimeoutMs === this.options.connectTimeoutMs &&
      options.connections === this.options.connections
    ) {
      return
    }
    this.options = { ...options }
    const old = this.agent
    this.agent = this.create()
    this.retired.add(old)
    void old.close().finally(() => this.retired.delete(old))
  }

  /** Closes every connection; requests still open are failed. */
  async destroy(): Promise<void> {
    const agents = [this.agent, ...this.retired]
    this.retired.clear()
    await Promise.allSettled(agents.map((agent) => agent.destroy()))
  }

  private create(): Agent {
    return new Agent({
      connections: this.options.connections,
      connectTimeout: this.options.connectTimeoutMs,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      pipelining: 1,
    })
  }
}
