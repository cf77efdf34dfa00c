import type { z } from 'zod'
import { keyOperations } from './keys'
import { providerOperations } from './providers'
import { settingsOperations } from './settings'
import { subKeyOperations } from './sub-keys'
import { validationOperations } from './validation'
import { statsOperations } from './stats'
import { logOperations } from './logs'
import { systemOperations } from './system'
import { connectionTestOperations } from './connection-test'
import { providerTestOperations } from './provider-test'
import { backupOperations } from './backups'

/** Every management operation of KeyPool, by name. Both transports are generated from this. */
export const contract = {
  ...settingsOperations,
  ...providerOperations,
  ...keyOperations,
  ...validationOperations,
  ...subKeyOperations,
  ...statsOperations,
  ...logOperations,
  ...systemOperations,
  ...connectionTestOperations,
  ...providerTestOperations,
  ...backupOperations,
}

export type Contract = typeof contract
export type OperationName = keyof Contract
/** What a caller sends (before defaults and coercion). */
export type OperationInput<N extends OperationName> = z.input<Contract[N]['input']>
/** What a handler receives (after validation, defaults and coercion). */
export type OperationParsedInput<N extends OperationName> = z.output<Contract[N]['input']>
export type OperationOutput<N extends OperationName> = z.output<Contract[N]['output']>

export const operationNames = Object.keys(contract) as OperationName[]

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.hasOwn(contract, name)
}

export * from './operation'
export * from './common'
export * from './settings'
export * from './providers'
export * from './sub-keys'
export * from './keys'
export * from './validation'
export * from './events'
export * from './stats'
export * from './logs'
export * from './system'
export * from './connection-test'
export * from './provider-test'
export * from './backups'
