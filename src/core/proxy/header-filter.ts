/**
 * Headers as Node (`IncomingHttpHeaders`, names in lower case) or undici (`Record` or a flat
 * `[name, value, name, value…]` array, names in any case) hand them over.
 */
export type HeaderInput =
  Readonly<Record<string, string | readonly string[] | number | undefined>> | readonly string[]

/**
 * `[name, value, name, value…]` with names in lower case: what `res.writeHead()` and undici's
 * `dispatch({ headers })` both take. Repeated names stay repeated, in order; a list needs no
 * merging and has no prototype to guard.
 */
export type HeaderList = string[]

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

/** Distinct header names a rule remembers before it starts over: clients choose names. */
const MAX_REMEMBERED_NAMES = 1_000

/**
 * Which header names pass, and under which (lower-case) name. The decision is remembered per
 * name as received: lower-casing a name and checking it cost ~50 ns, about 0.6 µs for the ~20
 * headers of a proxied request, whose names repeat from one request to the next.
 */
class HeaderNameRule {
  private readonly decided = new Map<string, string | null>()

  constructor(
    private readonly dropped: ReadonlySet<string>,
    private readonly dropCors: boolean,
  ) {}

  /** The name to forward `name` under, or null when it must not pass. */
  forwardedName(name: string): string | null {
    const known = this.decided.get(name)
    if (known !== undefined) return known
    const lower = name.toLowerCase()
    const passes =
      !this.dropped.has(lower) &&
      lower.charCodeAt(0) !== colon &&
      !(this.dropCors && lower.startsWith('access-control-'))
    if (this.decided.size >= MAX_REMEMBERED_NAMES) this.decided.clear()
    this.decided.set(name, passes ? lower : null)
    return passes ? lower : null
  }
}

const requestRule = new HeaderNameRule(droppedRequestHeaders, false)
const responseRule = new HeaderNameRule(droppedResponseHeaders, true)
/** For a body the proxy changed: the upstream's `content-length` no longer describes it. */
const alteredResponseRule = new HeaderNameRule(
  new Set([...droppedResponseHeaders, 'content-length']),
  true,
)

/**
 * The headers to send upstream: the client's, minus hop-by-hop, those named in `Connection` and
 * the never-forwarded ones, plus the upstream key and `accept-encoding: identity`.
 */
export function forwardRequestHeaders(input: HeaderInput, upstreamKey: string): HeaderList {
  const out = filterHeaders(input, requestRule)
  out.push('authorization', `Bearer ${upstreamKey}`, 'accept-encoding', 'identity')
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
): HeaderList {
  return filterHeaders(input, options.bodyAltered ? alteredResponseRule : responseRule)
}

/**
 * One pass over the headers: `Connection` is dropped as hop-by-hop, and its value, read on the
 * way, names further headers to drop (it normally names none). A second pass to look for it cost
 * a walk over every header of every request and answer.
 */
function filterHeaders(input: HeaderInput, rule: HeaderNameRule): HeaderList {
  const out: HeaderList = []
  let named: Set<string> | null = null
  if (isRaw(input)) {
    for (let i = 0; i + 1 < input.length; i += 2) {
      const key = input[i]!
      const name = rule.forwardedName(key)
      if (name !== null) out.push(name, input[i + 1]!)
      else if (isConnection(key)) named = connectionOptions(input[i + 1]!, named)
    }
  } else {
    for (const key in input) {
      const value = input[key]
      if (value === undefined) continue
      const name = rule.forwardedName(key)
      if (name === null) {
        if (!isConnection(key)) continue
        if (typeof value === 'object')
          for (const item of value) named = connectionOptions(item, named)
        else if (typeof value === 'string') named = connectionOptions(value, named)
        continue
      }
      if (typeof value === 'object') for (const item of value) out.push(name, item)
      else out.push(name, typeof value === 'string' ? value : String(value))
    }
  }
  return named === null ? out : withoutNames(out, named)
}

function withoutNames(list: HeaderList, names: ReadonlySet<string>): HeaderList {
  const out: HeaderList = []
  for (let i = 0; i + 1 < list.length; i += 2) {
    if (!names.has(list[i]!)) out.push(list[i]!, list[i + 1]!)
  }
  return out
}

/** Whether a header name, in any case, is `Connection`; called for dropped names only. */
function isConnection(name: string): boolean {
  return name.length === 10 && (name === 'connection' || name.toLowerCase() === 'connection')
}

/** `named` plus the lower-case field names one `Connection` value lists. */
function connectionOptions(value: string, named: Set<string> | null): Set<string> | null {
  // The usual values name no other header (`keep-alive` is dropped as hop-by-hop anyway).
  if (value === 'keep-alive' || value === 'close') return named
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase()
    if (name) (named ??= new Set()).add(name)
  }
  return named
}

function isRaw(input: HeaderInput): input is readonly string[] {
  return Array.isArray(input)
}
