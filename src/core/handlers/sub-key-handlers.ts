import type { OperationHandlers } from '../router/operation-router'
import type { SubKeyService } from '../sub-keys/sub-key-service'

type SubKeyOperation =
  | 'subKeys.list'
  | 'subKeys.create'
  | 'subKeys.update'
  | 'subKeys.delete'
  | 'subKeys.regenerate'
  | 'subKeys.topUp'
  | 'subKeys.extend'

export const subKeyHandlers = (
  subKeys: SubKeyService,
): Pick<OperationHandlers, SubKeyOperation> => ({
  'subKeys.list': () => subKeys.list(),
  'subKeys.create': (input) => subKeys.create(input),
  'subKeys.update': (input) => subKeys.update(input),
  'subKeys.delete': ({ id }) => subKeys.delete(id),
  'subKeys.regenerate': ({ id }) => subKeys.regenerate(id),
  'subKeys.topUp': ({ id, requests }) => subKeys.topUp(id, requests),
  'subKeys.extend': ({ id, seconds }) => subKeys.extend(id, seconds),
})
