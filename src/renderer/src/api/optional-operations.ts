import { isOperationName } from '../../../shared/contract'
import { api } from '.'

/**
 * Operations that another issue adds to the contract (statistics and logs, issue 5). The UI calls
 * them when the contract has them, and shows an explanatory empty state otherwise.
 */
export type OptionalOperation = 'stats.summary' | 'stats.series' | 'logs.list'

export function hasOperation(name: OptionalOperation): boolean {
  return isOperationName(name)
}

/** Calls an operation the compiled contract may not declare yet; its output is unchecked. */
export async function callOptional(name: OptionalOperation, input: object = {}): Promise<unknown> {
  if (!isOperationName(name)) throw new Error(`${name} is not in the contract`)
  return (api.call as (operation: string, input: unknown) => Promise<unknown>)(name, input)
}
