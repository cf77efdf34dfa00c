import type { Settings } from '../../../shared/contract'

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]'])

/**
 * The base URL clients use. In the browser the proxy shares the page's origin (`serve` answers
 * `/v1` on the same listener); in the desktop app it is the configured host and port.
 */
export function proxyBaseUrl(settings: Settings | undefined, transport: 'ipc' | 'http'): string {
  if (transport === 'http') return `${window.location.origin}/v1`
  if (!settings) return ''
  const host = WILDCARDS.has(settings.proxy.host) ? '127.0.0.1' : settings.proxy.host
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `http://${bracketed}:${settings.proxy.port}/v1`
}

/** True for addresses that keep the proxy on this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare)
}
