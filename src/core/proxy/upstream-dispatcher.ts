import { Agent, type Dispatcher } from 'undici'

/** Connections per upstream origin: bounded (SECURITY P8), generous for streams. */
export const UPSTREAM_CONNECTIONS_PER_ORIGIN = 128

export interface UpstreamDispatcherOptions {
  connectTimeoutMs: number
  connections?: number
}

/**
 * The one undici dispatcher of the proxy: a keep-alive Agent with a bounded number of
 * connections per origin. The connect timeout lives in the Agent, so a changed setting swaps in a
 * new Agent; the old one finishes its requests and closes. Header and body timeouts are passed
 * per request and need no swap.
 */
export class UpstreamDispatcher {
  private agent: Agent
  private connectTimeoutMs: number
  private readonly retired = new Set<Agent>()

  constructor(private readonly options: UpstreamDispatcherOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs
    this.agent = this.create()
  }

  get current(): Dispatcher {
    return this.agent
  }

  /** Applies a new connect timeout to the requests that start from now on. */
  setConnectTimeout(ms: number): void {
    if (ms === this.connectTimeoutMs) return
    this.connectTimeoutMs = ms
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
      connections: this.options.connections ?? UPSTREAM_CONNECTIONS_PER_ORIGIN,
      connectTimeout: this.connectTimeoutMs,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      pipelining: 1,
    })
  }
}
