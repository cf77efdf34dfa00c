/** Where one attempt goes: undici's `origin` and `path`. */
export interface UpstreamTarget {
  origin: string
  path: string
}

/** A provider's base URL, split once: its origin and its path without trailing slashes. */
interface BaseParts {
  origin: string
  prefix: string
}

const parsed = new Map<string, BaseParts>()

/**
 * Maps a client target under `/v1` onto a provider's base URL: `/v1/chat/completions?x=1` on
 * `https://api.example.com/openai/v1` becomes `/openai/v1/chat/completions?x=1`. The origin comes
 * from the base URL alone, so nothing a client sends can point the request at another host.
 */
export function upstreamTarget(baseUrl: string, clientTarget: string): UpstreamTarget {
  let base = parsed.get(baseUrl)
  if (!base) {
    const url = new URL(baseUrl)
    base = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') }
    if (parsed.size > 64) parsed.clear()
    parsed.set(baseUrl, base)
  }
  const suffix = clientTarget.startsWith('/v1') ? clientTarget.slice(3) : clientTarget
  const separator = suffix.startsWith('/') || suffix.startsWith('?') ? '' : '/'
  const path = base.prefix + separator + suffix
  return { origin: base.origin, path: path === '' ? '/' : path }
}
