import type { SystemStatus } from '../../shared/contract/system'
import type { OperationHandlers } from '../router/operation-router'

export const systemHandlers = (
  status: () => SystemStatus,
): Pick<OperationHandlers, 'system.status'> => ({
  'system.status': () => status(),
})
