import type { validationOperations } from '../../shared/contract/validation'
import type { OperationHandlers } from '../router/operation-router'
import type { KeyService } from '../services/key-service'

/** The `keys.validate*` operations are served by `validationHandlers`. */
type KeyOperation = Exclude<
  Extract<keyof OperationHandlers, `keys.${string}`>,
  keyof typeof validationOperations
>

export const keyHandlers = (keys: KeyService): Pick<OperationHandlers, KeyOperation> => ({
  'keys.list': (input) => keys.list(input),
  'keys.bulkAdd': (input) => keys.bulkAdd(input),
  'keys.import': (input) => keys.import(input),
  'keys.export': (input) => keys.export(input),
  'keys.update': (input) => keys.update(input),
  'keys.delete': ({ id }) => keys.delete(id),
  'keys.deleteMany': ({ ids }) => keys.deleteMany(ids),
  'keys.setStatus': ({ id, status }) => keys.setStatus(id, status),
  'keys.setStatusMany': ({ ids, status }) => keys.setStatusMany(ids, status),
  'keys.resetInvalid': (input) => keys.resetInvalid(input),
  'keys.transitions': ({ id, limit }) => keys.transitions(id, limit),
})
