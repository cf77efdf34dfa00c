import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { net, protocol } from 'electron'
import { contentSecurityPolicy } from '../shared/content-security-policy'
import { APP_HOST, APP_SCHEME } from './sender-check'

/** Must run before `app.ready`: `app://` behaves like a secure, standard origin. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ])
}

/**
 * The file inside `root` that an `app://keypool/...` URL names, or undefined when the URL is
 * for another host or its path escapes `root` (`..`, encoded separators, NUL).
 */
export function resolveAppUrl(root: string, requestUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return undefined
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return undefined
  }
  if (pathname.includes('\0')) return undefined
  const resolvedRoot = path.resolve(root)
  const file = path.resolve(resolvedRoot, `.${pathname === '/' ? '/index.html' : pathname}`)
  return file.startsWith(resolvedRoot + path.sep) ? file : undefined
}

/** The app page's policy; the desktop has no form to post. */
export const APP_CONTENT_SECURITY_POLICY = contentSecurityPolicy("'none'")

/** A copy of `response` with the security headers (a fetched response's headers are immutable). */
export function withSecurityHeaders(response: Response): Response {
  const headers = new Headers(response.headers)
  headers.set('content-security-policy', APP_CONTENT_SECURITY_POLICY)
  headers.set('x-content-type-options', 'nosniff')
  headers.set('referrer-policy', 'no-referrer')
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}

/** Serves the built renderer from `root` under `app://keypool/`, every response with the CSP. */
export function handleAppProtocol(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppUrl(root, request.url)
    if (!file) return withSecurityHeaders(new Response('Not found', { status: 404 }))
    let response = await fetchFile(file)
    if (!response?.ok && path.extname(file) === '') {
      // A client-side route (no file extension): serve the app shell.
      response = await fetchFile(path.join(root, 'index.html'))
    }
    return withSecurityHeaders(response ?? new Response('Not found', { status: 404 }))
  })
}

/** `net.fetch` of a local file; a missing file rejects there, which becomes undefined here. */
async function fetchFile(file: string): Promise<Response | undefined> {
  try {
    return await net.fetch(pathToFileURL(file).toString())
  } catch {
    return undefined
  }
}
