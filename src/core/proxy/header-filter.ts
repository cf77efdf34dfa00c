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

function filterHeaders(input: HeaderInput, rule: HeaderNameRule): HeaderList {
  const out: HeaderList = []
  if (isRaw(input)) {
    for (let i = 0; i + 1 < input.length; i += 2) {
      const name = rule.forwardedName(input[i]!)
      if (name !== null) out.push(name, input[i + 1]!)
    }
  } else {
    for (const key in input) {
      const value = input[key]
      if (value === undefined) continue
      const name = rule.forwardedName(key)
      if (name === null) continue
      if (typeof value === 'object') for (const item of value) out.push(name, item)
      else out.push(name, typeof value === 'string' ? value : String(value))
    }
  }
  // Headers that `Connection` names are hop-by-hop too; it normally names none.
  const named = connectionOptions(input)
  return named === null ? out : withoutNames(out, named)
}

function withoutNames(list: HeaderList, names: ReadonlySet<string>): HeaderList {
  const out: HeaderList = []
  for (let i = 0; i + 1 < list.length; i += 2) {
    if (!names.has(list[i]!)) out.push(list[i]!, list[i + 1]!)
  }
  return out
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
