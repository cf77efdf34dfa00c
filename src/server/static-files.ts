import fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { sendJson } from '../core/http/json-response'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Serves the built web UI from `root`. Paths are resolved and must stay inside `root`
 * (no `..` escapes); unknown paths without an extension fall back to `index.html` so client-side
 * routes survive a reload.
 */
export function createStaticFiles(root: string) {
  const resolvedRoot = path.resolve(root)
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: { code: 'invalid_input', message: 'Use GET' } })
    }
    const file = resolveInside(resolvedRoot, req.url ?? '/')
    if (!file) return sendJson(res, 400, { error: { code: 'invalid_input', message: 'Bad path' } })
    const target = (await isFile(file))
      ? file
      : path.extname(file) === ''
        ? path.join(resolvedRoot, 'index.html')
        : undefined
    if (!target || !(await isFile(target))) {
      return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } })
    }
    const isHtml = target.endsWith('.html')
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream',
      // Hashed assets never change; the HTML that names them must always be fresh.
      'cache-control': isHtml ? 'no-cache' : 'public, max-age=31536000, immutable',
    })
    if (req.method === 'HEAD') return void res.end()
    fs.createReadStream(target).pipe(res)
  }
}

/** The file a URL path names inside `root`, or undefined when it would escape it. */
export function resolveInside(root: string, url: string): string | undefined {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname)
  } catch {
    return undefined
  }
  if (pathname.includes('\0')) return undefined
  const candidate = path.resolve(root, `.${pathname}`)
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return undefined
  return candidate === root ? path.join(root, 'index.html') : candidate
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(file)).isFile()
  } catch {
    return false
  }
}
