import type { Settings } from '../../shared/contract/settings'
import type { Clock } from '../clock'
import type { EventBus } from '../events/event-bus'
import type { Logger } from '../logger'
import type { KeyRouter } from '../routing/key-router'
import type { UsageBatchWriter } from '../routing/usage-batch-writer'
import type { SubKeyService } from '../sub-keys/sub-key-service'
import type { CompletedRequest } from '../usage/completed-request'

/** What the proxy needs from the rest of the core. */
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
