import type { WebFrameMain } from 'electron'

export const APP_SCHEME = 'app'
export const APP_HOST = 'keypool'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

/**
 * Only the app's own top-level page may call the contract: not a sub-frame, not a page that was
 * navigated elsewhere, not a destroyed frame. `devServerUrl` is accepted during development.
 */
export function isTrustedSender(
  frame: Pick<WebFrameMain, 'url' | 'parent'> | null | undefined,
  devServerUrl?: string,
): boolean {
  if (!frame || frame.parent !== null) return false
  let url: URL
  try {
    url = new URL(frame.url)
  } catch {
    return false
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true
  if (devServerUrl) {
    try {
      return url.origin === new URL(devServerUrl).origin
    } catch {
      return false
    }
  }
  return false
}
