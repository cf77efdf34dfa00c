import type { UpstreamKey } from '../../shared/contract/keys'
import { csvField } from './csv'

const columns = [
  'id',
  'providerId',
  'label',
  'masked',
  'state',
  'stateReason',
  'weight',
  'requests',
  'successes',
  'failures',
  'tokens',
  'lastUsedAt',
  'createdAt',
] as const satisfies readonly (keyof UpstreamKey)[]

/** The masked list as a spreadsheet-safe CSV file; secrets are not part of `UpstreamKey`. */
export function keysToCsv(keys: readonly UpstreamKey[]): string {
  const lines = [columns.join(',')]
  for (const key of keys) lines.push(columns.map((name) => csvField(key[name])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** The masked list as pretty JSON, models included. */
export function keysToJson(keys: readonly UpstreamKey[]): string {
  return `${JSON.stringify(keys, null, 2)}\n`
}
