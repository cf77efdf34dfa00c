import { ref } from 'vue'

const TOKEN_STORAGE_KEY = 'keypool.adminToken'

/** The admin token of browser mode, kept for the tab's life only. */
export const adminToken = {
  get: (): string | undefined => sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined,
  set: (token: string): void => sessionStorage.setItem(TOKEN_STORAGE_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_STORAGE_KEY),
}

/**
 * True when the UI must show the login page: browser mode without a token, or after any call
 * answered 401. The desktop app (IPC) never needs it.
 */
export const needsLogin = ref(false)
