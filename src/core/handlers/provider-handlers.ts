import type { OperationHandlers } from '../router/operation-router'
import type { ProviderService } from '../services/provider-service'

export const providerHandlers = (
  providers: ProviderService,
): Pick<
  OperationHandlers,
  'providers.list' | 'providers.create' | 'providers.update' | 'providers.delete'
> => ({
  'providers.list': () => providers.list(),
  'providers.create': (input) => providers.create(input),
  'providers.update': (input) => providers.update(input),
  'providers.delete': ({ id }) => providers.delete(id),
})
