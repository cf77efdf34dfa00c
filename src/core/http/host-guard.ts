const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']

/**
 * DNS-rebinding defence: a request must name this machine in its Host header. A page on
 * `evil.example` that re-points its DNS to 127.0.0.1 still sends `Host: evil.example`.
 * Never switched off; extra names (a LAN host name) come from settings.
 */
export function isAllowedHost(
  hostHeader: string | undefined,
  listeningPort: number,
  extraNames: readonly string[],
): boolean {
  if (!hostHeader) return false
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(hostHeader.trim())
  if (!match) return false
  const name = match[1]!.toLowerCase()
  const port = match[2]
  if (port !== undefined && Number(port) !== listeningPort) return false
  return LOOPBACK_NAMES.includes(name) || extraNames.some((extra) => extra.toLowerCase() === name)
}
