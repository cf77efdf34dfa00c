import type { Logger } from '../logger'

/** Where decrypted secrets come from: `KeyService.readSecret`. */
export type SecretSource = (id: number) => string | undefined

/**
 * Decrypted upstream secrets by key id, held in memory only, so the hot path reads and decrypts
 * a key at most once. A key's secret never changes under its id, so entries are dropped only when
 * the key is deleted or the whole pool is reloaded (a restore may reuse ids).
 */
export class UpstreamSecretCache {
  private readonly secrets = new Map<number, string>()

  constructor(
    private readonly source: SecretSource,
    private readonly logger: Logger,
  ) {}

  /** The secret of key `id`, or undefined when it is gone or does not decrypt (logged by id). */
  get(id: number): string | undefined {
    const cached = this.secrets.get(id)
    if (cached !== undefined) return cached
    let secret: string | undefined
    try {
      secret = this.source(id)
    } catch (error) {
      this.logger.error('an upstream key could not be read', {
        keyId: id,
        error: error instanceof Error ? error.name : 'unknown',
      })
      return undefined
    }
    if (secret !== undefined) this.secrets.set(id, secret)
    return secret
  }

  drop(id: number): void {
    this.secrets.delete(id)
  }

  clear(): void {
    this.secrets.clear()
  }

  get size(): number {
    return this.secrets.size
  }
}
