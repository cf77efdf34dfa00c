import type { Envelope } from '../../../shared/errors'
import type { KeyPoolBridge } from '../../../shared/ipc-channels'
import type { Transport } from './transport'

export function createIpcTransport(bridge: KeyPoolBridge): Transport {
  return {
    kind: 'ipc',
    request: async (operation, input) =>
      (await bridge.request(operation, input)) as Envelope<unknown>,
    on: (event, listener) => bridge.on(event, listener),
  }
}
