import { silentLogger } from '../../src/core/logger'
import { startHeadless, type HeadlessServer } from '../../src/server/headless-server'
import { tempDir } from './temp-dir'

/** A headless KeyPool on an ephemeral loopback port with a fresh data folder. */
export async function startTestServer(
  options: { dataDir?: string; adminToken?: string; uiDir?: string } = {},
): Promise<HeadlessServer & { dataDir: string; api: ApiCaller }> {
  const dataDir = options.dataDir ?? tempDir()
  const server = await startHeadless({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    adminToken: options.adminToken ?? 'test-admin-token-0123456789',
    ...(options.uiDir && { uiDir: options.uiDir }),
  })
  return Object.assign(server, { dataDir, api: apiCaller(server.url, server.adminToken.token) })
}

export type ApiCaller = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: unknown; headers: Headers }>

export function apiCaller(baseUrl: string, token: string): ApiCaller {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body: parsed, headers: response.headers }
  }
}
