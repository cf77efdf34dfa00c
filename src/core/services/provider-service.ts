import type { Provider } from '../../shared/contract'
import { DEFAULT_PROVIDER_BASE_URL } from '../../shared/contract'
import type { Clock } from '../clock'
import { AppError, conflict, notFound } from '../errors'
import type { EventBus } from '../events/event-bus'
import type { ProviderRepository } from '../store/provider-repository'

/** CRUD for OpenAI-compatible upstreams, with a default OpenAI provider on first start. */
export class ProviderService {
  constructor(
    private readonly repository: ProviderRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates the default provider when the store has none (first start). `baseUrl` lets a user
   * behind a mirror start from it, and keeps test traffic on loopback.
   */
  ensureDefault(baseUrl: string = DEFAULT_PROVIDER_BASE_URL): void {
    if (this.repository.count() > 0) return
    this.repository.insert({ name: 'OpenAI', baseUrl, enabled: true }, this.clock.now())
  }

  list(): Provider[] {
    return this.repository.list()
  }

  get(id: number): Provider {
    const provider = this.repository.get(id)
    if (!provider) throw notFound('Provider', id)
    return provider
  }

  create(input: { name: string; baseUrl: string; enabled: boolean }): Provider {
    this.assertNameFree(input.name)
    const provider = this.repository.insert(input, this.clock.now())
    this.changed()
    return provider
  }

  update(input: { id: number; name?: string; baseUrl?: string; enabled?: boolean }): Provider {
    const existing = this.get(input.id)
    if (input.name !== undefined) this.assertNameFree(input.name, input.id)
    const updated = this.repository.update(
      {
        id: existing.id,
        name: input.name ?? existing.name,
        baseUrl: input.baseUrl ?? existing.baseUrl,
        enabled: input.enabled ?? existing.enabled,
      },
      this.clock.now(),
    )
    if (!updated) throw notFound('Provider', input.id)
    this.changed()
    return updated
  }

  delete(id: number): { deleted: number } {
    this.get(id)
    if (this.repository.count() <= 1) {
      throw new AppError('conflict', 'The last provider cannot be deleted; add another first')
    }
    const deleted = this.repository.remove(id)
    this.changed()
    // Its keys went with it (ON DELETE CASCADE).
    this.events.emit('keys.changed', {})
    return { deleted }
  }

  private assertNameFree(name: string, exceptId?: number): void {
    const other = this.repository.findByName(name)
    if (other && other.id !== exceptId) throw conflict(`A provider named "${name}" already exists`)
  }

  private changed(): void {
    this.events.emit('providers.changed', this.repository.list())
  }
}
