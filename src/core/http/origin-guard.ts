/**
 * Browsers send `Origin` on cross-site and on state-changing requests. A web page must not be
 * able to drive the proxy or the admin API from the user's browser, so an Origin is accepted
 * only when it is the server's own (the bundled web UI) or explicitly allowed in settings.
 * A request without Origin (curl, SDKs, IDE plugins) is not a browser page and passes.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (origin === undefined) return true
  if (origin === 'null') return false
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  if (hostHeader && parsed.protocol === 'http:' && parsed.host === hostHeader.toLowerCase()) {
    return true
  }
  return allowedOrigins.some((allowed) => safeOrigin(allowed) === parsed.origin)
}

function safeOrigin(value: string): string | undefined {
  try {
    return new URL(value).origin
  } catch {
    return undefined
  }
}
