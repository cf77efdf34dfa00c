/**
 * The UI's Content-Security-Policy, sent as a header by both shells (the `app://` protocol on the
 * desktop, the headless server in a browser); `index.html` carries the same rules in a meta tag,
 * but only a header can say `frame-ancestors`. Scripts are same-origin only; naive-ui injects
 * its styles at run time, hence `style-src 'unsafe-inline'`. Forms may post only where the shell
 * says: the headless server keeps its seed login form (`'self'`), the desktop has none.
 */
export function contentSecurityPolicy(formAction: "'self'" | "'none'"): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join('; ')
}
