import { keyListInputSchema } from '../../shared/contract/keys'
import type { ProviderTestResult } from '../../shared/contract/provider-test'
import type { KeyService } from '../services/key-service'
import type { ProviderService } from '../services/provider-service'
import { ValidationProbe } from './validation-probe'

/** Sent when a provider has no key yet: any HTTP answer still proves the base URL works. */
const NO_KEY = 'sk-keypool-reachability-check'

/**
 * The Providers page's "Test": the free `GET {baseUrl}/models` with one active key of the
 * provider (or any key, or none), classified like validation but changing no key state. It tells
 * a user whether the base URL is right before they paste a thousand keys.
 */
export class ProviderTester {
  constructor(
    private readonly providers: ProviderService,
    private readonly keys: KeyService,
    private readonly now: () => number,
  ) {}

  async test(providerId: number): Promise<ProviderTestResult> {
    const provider = this.providers.get(providerId)
    const keyId = this.pickKey(providerId)
    const secret = keyId === null ? NO_KEY : (this.keys.readSecret(keyId) ?? NO_KEY)
    const probe = new ValidationProbe(this.now)
    const started = performance.now()
    try {
      const { outcome, models } = await probe.check(
        { baseUrl: provider.baseUrl, secret },
        AbortSignal.timeout(30_000),
      )
      const latencyMs = Math.round(performance.now() - started)
      const reachable = outcome.kind !== 'network-error'
      return {
        reachable,
        ok: keyId !== null && outcome.kind === 'success',
        status: outcome.status,
        latencyMs,
        models: models?.length ?? null,
        keyId,
        detail:
          keyId === null && reachable
            ? 'Reachable; add a key to check authentication'
            : outcome.detail || outcome.kind,
      }
    } finally {
      await probe.close()
    }
  }

  private pickKey(providerId: number): number | null {
    for (const status of ['active', undefined] as const) {
      const page = this.keys.list(
        keyListInputSchema.parse({ pageSize: 1, providerId, ...(status && { status }) }),
      )
      if (page.items[0]) return page.items[0].id
    }
    return null
  }
}
