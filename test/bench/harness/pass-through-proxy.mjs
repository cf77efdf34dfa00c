// The benchmark's yardstick: the least a proxy in front of an OpenAI-compatible upstream must do.
// It rotates the upstream key round-robin, streams the request body up and the response down
// (undici's `stream()`, the API made for proxies: no intermediate Readable), drops hop-by-hop
// headers and nothing else: no sub-keys, no body reading, no usage, no log, no failover. KeyPool
// is measured against it, so its connection pool is configured like KeyPool's (128 keep-alive
// connections per origin, no pipelining).
//
// Plain JavaScript, run by plain Node in its own process (pinned to the proxy core):
//   PASS_THROUGH_UPSTREAM=http://127.0.0.1:PORT/v1 PASS_THROUGH_KEYS=k1,k2 node pass-through-proxy.mjs
// It prints `pass-through listening on http://127.0.0.1:PORT` and stops on SIGTERM.
// PASS_THROUGH_CONNECTIONS changes the per-origin connection cap (0: none), for the memory
// benchmark's reference run where every stream must reach the upstream at once.
import http from 'node:http'
import { Agent } from 'undici'

const upstream = new URL(process.env.PASS_THROUGH_UPSTREAM ?? '')
const keys = (process.env.PASS_THROUGH_KEYS ?? '').split(',').filter(Boolean)
if (!upstream.host || keys.length === 0) {
  process.stderr.write('PASS_THROUGH_UPSTREAM and PASS_THROUGH_KEYS are required\n')
  process.exit(2)
}
const basePath = upstream.pathname.replace(/\/+$/, '')
const authorizations = keys.map((key) => `Bearer ${key}`)

const connections = Number(process.env.PASS_THROUGH_CONNECTIONS ?? 128)
const agent = new Agent({
  connections: connections > 0 ? connections : null,
  keepAliveTimeout: 10_000,
  keepAliveMaxTimeout: 60_000,
  pipelining: 1,
})

// RFC 9110 §7.6.1 connection-specific fields: they describe one hop, never the next.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

let next = 0

function requestHeaders(incoming, authorization) {
  const headers = {}
  for (const name in incoming) {
    if (hopByHop.has(name) || name === 'host' || name === 'authorization') continue
    headers[name] = incoming[name]
  }
  headers.authorization = authorization
  return headers
}

function responseHeaders(incoming) {
  const headers = {}
  for (const name in incoming) if (!hopByHop.has(name)) headers[name] = incoming[name]
  return headers
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const authorization = authorizations[next]
  next = (next + 1) % authorizations.length
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const path = req.url.startsWith('/v1') ? basePath + req.url.slice(3) : basePath + req.url
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  agent
    .stream(
      {
        origin: upstream.origin,
        path,
        method: req.method,
        headers: requestHeaders(req.headers, authorization),
        body: hasBody ? req : null,
        signal: controller.signal,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, responseHeaders(headers))
        return res
      },
    )
    .catch(() => {
      if (res.headersSent) res.destroy()
      else res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"upstream"}')
    })
})

server.listen(Number(process.env.PASS_THROUGH_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`pass-through listening on http://127.0.0.1:${server.address().port}\n`)
})

const stop = () => {
  server.close()
  server.closeAllConnections()
  void agent.close().finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
