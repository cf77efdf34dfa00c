import type { KeyPoolCore } from '../core/keypool-core'
import { ZERO_KEY_COUNTS, type PoolHealthInput } from './pool-health'

/**
 * What the tray shows about the pool, read from the core.
 *
 * TODO(issue 6): the key pool does not expose its counts or request rates to the shell yet; until
 * it does, only the listener state is real. Replace this with the pool's counts and the last
 * minute's requests/errors, and call the shell's `refreshTray` on the core's pool-health event.
 */
export function readHealthInput(core: KeyPoolCore): PoolHealthInput {
  return {
    proxyRunning: core.server.listening,
    counts: { ...ZERO_KEY_COUNTS },
    requestsLastMinute: 0,
    errorsLastMinute: 0,
  }
}

/**
 * The tray's "Validate invalid keys".
 *
 * TODO(issue 6): call the pool's validation (invalid and exhausted keys) once the core has it.
 */
export async function validateInvalidKeys(core: KeyPoolCore): Promise<void> {
  core.logger.info('tray: key validation is not available yet')
}
