/** Addresses that mean "every interface": a client on this machine reaches them on loopback. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]'])

/** The base URL a tool on this machine puts in its OpenAI settings, e.g. `http://127.0.0.1:8327/v1`. */
export function proxyBaseUrl(host: string, port: number): string {
  const reachable = WILDCARDS.has(host) ? '127.0.0.1' : host
  const bracketed =
    reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable
  return `http://${bracketed}:${port}/v1`
}
