import type { ServerResponse } from 'node:http'
import { contentSecurityPolicy } from '../shared/content-security-policy'

/** The policy for everything the headless server answers; its seed login form posts to itself. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy("'self'")

export function applySecurityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY)
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('referrer-policy', 'no-referrer')
  res.setHeader('x-frame-options', 'DENY')
  res.setHeader('cross-origin-opener-policy', 'same-origin')
  res.setHeader('cross-origin-resource-policy', 'same-origin')
}
