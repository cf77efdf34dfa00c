import type { validationOperations } from '../../shared/contract/validation'
import type { OperationHandlers } from '../router/operation-router'
import type { ValidationService } from '../validation/validation-service'

type ValidationOperation = keyof typeof validationOperations

export const validationHandlers = (
  validation: ValidationService,
): Pick<OperationHandlers, ValidationOperation> => ({
  'keys.validate': ({ scope, providerId }) =>
    validation.start(scope, { ...(providerId !== undefined && { providerId }) }),
  'keys.validateCancel': ({ runId }) => validation.cancel(runId),
  'keys.validationStatus': () => validation.status(),
})
