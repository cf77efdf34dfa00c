/**
 * Headers as Node (`IncomingHttpHeaders`, names in lower case) or undici (`Record` or a flat
 * `[name, value, name, value…]` array, names in any case) hand them over.
 */
export type HeaderInput =
  Readonly<Record<string, string | readonly string[] | number | undefined>> | readonly string[]

/** What undici's `request({ headers })` and `res.writeHead()` both accept; names in lower case. */
export type OutgoingHeaders = Record<string, string | string[]>

/** RFC 9110 §7.6.1 connection-specific fields, plus the de-facto ones proxies also strip. */
const hopByHop = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

/**
 * Client headers that never reach the upstream (SECURITY.md P1). Credentials are the client's
 * sub-key; `openai-organization` / `openai-project` would pair a client's org with our key and
 * earn a 401 that marks a healthy key invalid; `host` and `content-length` are set by undici for
 * the upstream and the (possibly edited) body; `accept-encoding` is replaced by `identity` so that
 * usage can be read from the bytes and nothing reaches the client compressed.
 */
const droppedRequestHeaders: ReadonlySet<string> = new Set([
  ...hopByHop,
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'expect',
  'host',
  'content-length',
  'accept-encoding',
  'openai-organization',
  'openai-project',
])

/**
 * Upstream headers that never reach the client. Cookies belong to the upstream's domain, and
 * `alt-svc` / `strict-transport-security` describe the upstream's origin, not 127.0.0.1.
 * `access-control-*` are dropped by prefix: CORS on the local listener is ours to decide (L3).
 */
const droppedResponseHeaders: ReadonlySet<string> = new Set([
  ...hopByHop,
  'set-cookie',
  'set-cookie2',
  'alt-svc',
  'strict-transport-security',
])

const colon = 58

/**
 * The headers to send upstream: the client's, minus hop-by-hop, those named in `Connection` and
 * the never-forwarded ones, plus the upstream key and `accept-encoding: identity`.
 */
export function forwardRequestHeaders(input: HeaderInput, upstreamKey: string): OutgoingHeaders {
  const out = filterHeaders(input, droppedRequestHeaders, false)
  out['authorization'] = `Bearer ${upstreamKey}`
  out['accept-encoding'] = 'identity'
  return out
}

export interface ResponseHeaderOptions {
  /** The proxy changes the body (a stripped usage chunk): the upstream `content-length` is wrong. */
  bodyAltered?: boolean
}

/**
 * The headers to send the client. `content-encoding` is kept: we ask for `identity`, so it is
 * normally absent, and if an upstream compresses anyway the header must travel with the bytes.
 */
export function forwardResponseHeaders(
  input: HeaderInput,
  options: ResponseHeaderOptions = {},
): OutgoingHeaders {
  const out = filterHeaders(input, droppedResponseHeaders, true)
  if (options.bodyAltered) delete out['content-length']
  return out
}

function filterHeaders(
  input: HeaderInput,
  dropped: ReadonlySet<string>,
  dropCors: boolean,
): OutgoingHeaders {
  // A plain object keeps fast properties (a prototype-less one starts in dictionary mode, which
  // measured 0.3 µs more per call); `append` keeps a header named `__proto__` a header.
  const out: OutgoingHeaders = {}
  if (isRaw(input)) {
    for (let i = 0; i + 1 < input.length; i += 2) {
      const name = input[i]!.toLowerCase()
      if (keeps(name, dropped, dropCors)) append(out, name, input[i + 1]!)
    }
  } else {
    // One pass and no closure: this runs twice per proxied request. Node and undici hand over
    // unique lower-case names, which can be assigned outright; only once a name needed
    // lower-casing (a hand-made record) could two of them meet, and `append` merges them.
    let mixedCase = false
    for (const name in input) {
      const value = input[name]
      if (value === undefined) continue
      const lower = name.toLowerCase()
      if (lower !== name) mixedCase = true
      if (!keeps(lower, dropped, dropCors)) continue
      if (typeof value === 'object') {
        for (const item of value) append(out, lower, item)
        continue
      }
      const text = typeof value === 'string' ? value : String(value)
      if (mixedCase || lower === '__proto__') append(out, lower, text)
      else out[lower] = text
    }
  }
  // Headers that `Connection` names are hop-by-hop too; it normally names none.
  const named = connectionOptions(input)
  if (named !== null) for (const name of named) delete out[name]
  return out
}

function keeps(name: string, dropped: ReadonlySet<string>, dropCors: boolean): boolean {
  return (
    !dropped.has(name) &&
    name.charCodeAt(0) !== colon &&
    !(dropCors && name.startsWith('access-control-'))
  )
}

/** The lower-case field names listed in `Connection`, or null when there is none (the norm). */
function connectionOptions(input: HeaderInput): Set<string> | null {
  let named: Set<string> | null = null
  const add = (value: string) => {
    // The usual values name no other header (`keep-alive` is dropped as hop-by-hop anyway).
    if (value === 'keep-alive' || value === 'close') return
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase()
      if (name) (named ??= new Set()).add(name)
    }
  }
  if (isRaw(input)) {
    for (let i = 0; i + 1 < input.length; i += 2) {
      if (input[i]!.toLowerCase() === 'connection') add(input[i + 1]!)
    }
    return named
  }
  // Node and undici hand over lower-case names: look the one name up before scanning for it.
  const direct = input['connection']
  if (typeof direct === 'string') add(direct)
  else if (typeof direct === 'object') for (const item of direct) add(item)
  else {
    for (const name in input) {
      if (name.length !== 10 || name.toLowerCase() !== 'connection') continue
      const value = input[name]
      if (typeof value === 'string') add(value)
      else if (typeof value === 'object') for (const item of value) add(item)
    }
  }
  return named
}

function isRaw(input: HeaderInput): input is readonly string[] {
  return Array.isArray(input)
}

function append(out: OutgoingHeaders, name: string, value: string): void {
  if (name === '__proto__') {
    // An own data property, never the prototype setter.
    const own = Object.getOwnPropertyDescriptor(out, name)?.value as string | string[] | undefined
    const next =
      own === undefined ? value : typeof own === 'string' ? [own, value] : [...own, value]
    Object.defineProperty(out, name, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    })
    return
  }
  const existing = Object.hasOwn(out, name) ? out[name] : undefined
  if (existing === undefined) out[name] = value
  else if (typeof existing === 'string') out[name] = [existing, value]
  else existing.push(value)
}
