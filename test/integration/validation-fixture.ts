import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import type { EventPayload, SettingsPatch } from '../../src/shared/contract'
import type { Clock } from '../../src/core/clock'
import { tempDir } from '../support/temp-dir'

/** A key the mock upstream can be scripted for (8+ printable characters). */
export const mockKey = (name: string): string => `sk-val-${name}-${'0'.repeat(24)}`

/**
 * A core whose default provider points at `baseUrl` (the mock), with on-add validation and the
 * schedule off unless a test turns them on: each test starts its runs itself.
 */
export function openValidationCore(
  baseUrl: string,
  options: { clock?: Clock; settings?: SettingsPatch } = {},
): KeyPoolCore {
  const core = KeyPoolCore.open({
    dataDir: tempDir('keypool-validation-'),
    logger: silentLogger,
    ...(options.clock && { clock: options.clock }),
  })
  core.settings.update({
    validation: { onAdd: false, scheduleMinutes: 0, ...options.settings?.validation },
    ...(options.settings?.routing && { routing: options.settings.routing }),
  })
  core.providers.update({ id: 1, baseUrl })
  return core
}

/** Adds the keys (one per name) and answers their ids in the same order. */
export async function addKeys(
  core: KeyPoolCore,
  names: readonly string[],
  providerId = 1,
): Promise<number[]> {
  await core.keys.bulkAdd({ keys: names.map(mockKey).join('\n'), providerId })
  const idBySecret = new Map(
    core.keys.routingKeys().map((key) => [core.keys.readSecret(key.id), key.id] as const),
  )
  return names.map((name) => {
    const id = idBySecret.get(mockKey(name))
    if (id === undefined) throw new Error(`key ${name} was not added`)
    return id
  })
}

/** Every `validation.progress` event from now on. */
export function recordProgress(core: KeyPoolCore): EventPayload<'validation.progress'>[] {
  const seen: EventPayload<'validation.progress'>[] = []
  core.events.on('validation.progress', (payload) => seen.push(payload))
  return seen
}

/** A loopback port nothing listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
