import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { net, protocol } from 'electron'
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

/** Serves the built renderer from `root` under `app://keypool/`. */
export function handleAppProtocol(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppUrl(root, request.url)
    if (!file) return new Response('Not found', { status: 404 })
    const response = await net.fetch(pathToFileURL(file).toString())
    if (!response.ok && path.extname(file) === '') {
      return net.fetch(pathToFileURL(path.join(root, 'index.html')).toString())
    }
    return response
  })
}
