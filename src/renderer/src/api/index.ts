import { createApiClient, type ApiClient } from './api-client'
import { createHttpTransport } from './http-transport'
import { createIpcTransport } from './ipc-transport'

const TOKEN_STORAGE_KEY = 'keypool.adminToken'

export const adminToken = {
  get: (): string | undefined => sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined,
  set: (token: string): void => sessionStorage.setItem(TOKEN_STORAGE_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_STORAGE_KEY),
}

/** IPC when the desktop preload bridge exists, HTTP to the page's own origin otherwise. */
export const api: ApiClient = createApiClient(
  window.keypool
    ? createIpcTransport(window.keypool)
    : createHttpTransport({ token: adminToken.get }),
)

export { ApiRequestError } from './api-client'
