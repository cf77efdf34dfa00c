import type { KeyPoolCore } from '../core/keypool-core'
import type { PoolHealthInput } from './pool-health'

/** The parts of the core the tray reads and acts on. */
export type PoolBridgeCore = Pick<KeyPoolCore, 'server' | 'routing' | 'validation' | 'logger'>

/**
 * What the tray shows about the pool, read from the core: the listener state and the in-memory
 * pool's counts per key state (the same figures the proxy routes by, no database read).
 *
 * `requestsLastMinute` and `errorsLastMinute` stay 0 until the core exposes a last-minute figure
 * (request log and statistics, issue 5: `stats.summary`'s `requests.lastMinute` and
 * `errors.lastMinute` once the core serves it): the shell sees no requests of its own to count,
 * and guessing from key counters would be wrong. Until then the tray's error-rate amber never fires
 * and the tooltip says `0 req/min`; key states still drive the colour.
 */
export function readHealthInput(core: PoolBridgeCore): PoolHealthInput {
  return {
    proxyRunning: core.server.listening,
    counts: core.routing.counts(),
    requestsLastMinute: 0,
    errorsLastMinute: 0,
  }
}

/**
 * The tray's "Validate invalid keys": re-checks the dead keys (invalid and exhausted) in the
 * background, as the Keys page's button does. Joins a run already going; progress and results
 * reach the window through `validation.progress` and the tray through `key.stateChanged`.
 */
export async function validateInvalidKeys(core: PoolBridgeCore): Promise<void> {
  const run = core.validation.start('invalid', { trigger: 'request' })
  core.logger.info('tray: validating invalid keys', { runId: run.runId, total: run.total })
}
