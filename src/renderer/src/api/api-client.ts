import type {
  EventName,
  EventPayload,
  OperationInput,
  OperationName,
  OperationOutput,
} from '../../../shared/contract'
import type { ApiError } from '../../../shared/errors'
import type { Transport } from './transport'

/** A failed operation, carrying the stable code the UI translates. */
export class ApiRequestError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message)
    this.name = 'ApiRequestError'
  }
}

/** The typed api of the renderer: the only thing stores use to reach the core. */
export interface ApiClient {
  readonly transport: Transport['kind']
  call<N extends OperationName>(
    operation: N,
    input?: OperationInput<N>,
  ): Promise<OperationOutput<N>>
  on<N extends EventName>(event: N, listener: (payload: EventPayload<N>) => void): () => void
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    transport: transport.kind,
    async call(operation, input) {
      const envelope = await transport.request(operation, input ?? {})
      if (!envelope.ok) throw new ApiRequestError(envelope.error)
      return envelope.data as never
    },
    on(event, listener) {
      return transport.on(event, listener as (payload: unknown) => void)
    },
  }
}
