import type { KeyPoolCore } from '../core/keypool-core'
import type { Logger } from '../core/logger'
import { proxyBaseUrl } from './proxy-base-url'

export interface ProxyControllerOptions {
  logger: Logger
  /** KEYPOOL_PORT: this run's port instead of the stored one. */
  port?: number
  /** How long stopping lets in-flight streams finish (SECURITY.md P9). */
  stopDeadlineMs?: number
  /** Called after every start or stop, so the tray can follow. */
  onChange?: () => void
}

/**
 * Starts and stops the core's listener for the tray and the start-up setting. Stopping keeps the
 * store open (only quitting closes it), so the UI keeps working while the proxy is off.
 */
export class ProxyController {
  private listeningUrl: string | undefined

  constructor(
    private readonly core: KeyPoolCore,
    private readonly options: ProxyControllerOptions,
  ) {}

  /** `http://host:port` while listening. */
  get url(): string | undefined {
    return this.core.server.listening ? this.listeningUrl : undefined
  }

  /** What a local tool puts in its settings: the live port when listening, else the stored one. */
  baseUrl(): string {
    const { host, port } = this.core.settings.get().proxy
    const live = this.url ? Number(new URL(this.url).port) : undefined
    return proxyBaseUrl(host, live ?? this.options.port ?? port)
  }

  /** Starts listening; a failure (port in use) is logged and leaves the proxy stopped. */
  async start(): Promise<void> {
    if (this.core.server.listening) return
    try {
      const overrides = this.options.port === undefined ? {} : { port: this.options.port }
      this.listeningUrl = (await this.core.listen(overrides)).url
      this.options.logger.info('proxy listening', { url: this.listeningUrl })
    } catch (error) {
      this.options.logger.error('proxy could not start', { error: (error as Error).message })
    }
    this.options.onChange?.()
  }

  async stop(): Promise<void> {
    if (!this.core.server.listening) return
    await this.core.server.close(this.options.stopDeadlineMs ?? 10_000)
    this.listeningUrl = undefined
    this.options.logger.info('proxy stopped')
    this.options.onChange?.()
  }
}
