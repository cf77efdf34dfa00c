import { ApiRequestError, createApiClient, type ApiClient } from './api-client'
import { createHttpTransport } from './http-transport'
import { createIpcTransport } from './ipc-transport'
import { adminToken, needsLogin } from './session'

export { adminToken, needsLogin } from './session'

const client = createApiClient(
  window.keypool
    ? createIpcTransport(window.keypool)
    : createHttpTransport({ token: adminToken.get }),
)

needsLogin.value = client.transport === 'http' && !adminToken.get()

/**
 * IPC when the desktop preload bridge exists, HTTP to the page's own origin otherwise. A 401 from
 * any call drops the token and sends the UI back to its login page.
 */
export const api: ApiClient = {
  transport: client.transport,
  async call(operation, input) {
    try {
      return await client.call(operation, input)
    } catch (caught) {
      if (caught instanceof ApiRequestError && caught.error.code === 'unauthorized') {
        adminToken.clear()
        needsLogin.value = true
      }
      throw caught
    }
  },
  on: (event, listener) => client.on(event, listener),
}

export { ApiRequestError } from './api-client'
