import type { KeyPoolCore } from '../core/keypool-core'
import type { PoolHealthInput } from './pool-health'

/** The parts of the core the tray reads and acts on. */
export type PoolBridgeCore = Pick<
  KeyPoolCore,
  'server' | 'routing' | 'validation' | 'logger' | 'stats'
>

/**
 * What the tray shows about the pool, read from the core: the listener state, the in-memory
 * pool's counts per key state (the same figures the proxy routes by) and the last minute's
 * requests and errors from the statistics' in-memory windows. No database read.
 */
export function readHealthInput(core: PoolBridgeCore): PoolHealthInput {
  const summary = core.stats.summary()
  return {
    proxyRunning: core.server.listening,
    counts: core.routing.counts(),
    requestsLastMinute: summary.requests.lastMinute,
    errorsLastMinute: summary.errors.lastMinute,
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
