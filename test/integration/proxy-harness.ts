import type { SettingsPatch } from '../../src/shared/contract/settings'
import type { SubKeyCreate } from '../../src/shared/contract/sub-keys'
import { type Logger, silentLogger } from '../../src/core/logger'
import { type HeadlessServer, startHeadless } from '../../src/server/headless-server'
import { apiCaller, type ApiCaller } from '../support/headless'
import {
  type MockUpstream,
  type MockUpstreamOptions,
  startMockUpstream,
} from '../support/mock-upstream'
import { tempDir } from '../support/temp-dir'

/** A headless KeyPool whose only provider is a mock upstream, ready to proxy. */
export interface ProxyHarness {
  server: HeadlessServer
  dataDir: string
  mock: MockUpstream
  api: ApiCaller
  /** The listener's origin, e.g. `http://127.0.0.1:PORT`. */
  url: string
  /** The proxy's OpenAI base URL: `${url}/v1`. */
  baseURL: string
  providerId: number
  /** Adds upstream keys to the mock provider; their ids, in the given order. */
  addKeys(secrets: readonly string[]): Promise<number[]>
  /** Issues a sub-key; its id and its one-time secret. */
  subKey(input?: Partial<SubKeyCreate>): Promise<{ id: number; secret: string }>
  keyState(id: number): string
  close(): Promise<void>
}

export interface ProxyHarnessOptions {
  settings?: SettingsPatch
  mock?: MockUpstreamOptions
  logger?: Logger
}

const adminToken = 'test-admin-token-proxy-0123456789'

/** Starts the mock and KeyPool, with validation on add off (it would call the mock). */
export async function startProxyHarness(options: ProxyHarnessOptions = {}): Promise<ProxyHarness> {
  const mock = await startMockUpstream(options.mock)
  const dataDir = tempDir()
  const server = await startHeadless({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger: options.logger ?? silentLogger,
    adminToken,
  })
  const api = apiCaller(server.url, adminToken)
  const expect200 = async (method: string, path: string, body?: unknown) => {
    const answer = await api(method, path, body)
    if (answer.status !== 200) {
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`)
    }
    return answer.body
  }
  await expect200('PATCH', '/api/settings', {
    ...options.settings,
    validation: { onAdd: false, scheduleMinutes: 0, ...options.settings?.validation },
  })
  const provider = (await expect200('POST', '/api/providers', {
    name: 'Mock',
    baseUrl: mock.url,
    enabled: true,
  })) as { id: number }
  const providers = (await expect200('GET', '/api/providers')) as { id: number }[]
  for (const other of providers) {
    if (other.id !== provider.id) await expect200('DELETE', `/api/providers/${other.id}`)
  }

  return {
    server,
    dataDir,
    mock,
    api,
    url: server.url,
    baseURL: `${server.url}/v1`,
    providerId: provider.id,
    async addKeys(secrets) {
      await expect200('POST', '/api/keys/bulk', {
        keys: secrets.join('\n'),
        providerId: provider.id,
      })
      const page = (await expect200('GET', '/api/keys/paginated?page_size=500')) as {
        items: { id: number; last4: string }[]
      }
      return secrets.map((secret) => {
        const found = page.items.find((item) => item.last4 === secret.slice(-4))
        if (!found) throw new Error(`key …${secret.slice(-4)} was not added`)
        return found.id
      })
    },
    async subKey(input = {}) {
      const created = (await expect200('POST', '/api/sub-keys', { name: 'test', ...input })) as {
        subKey: { id: number }
        secret: string
      }
      return { id: created.subKey.id, secret: created.secret }
    },
    keyState(id) {
      return server.core.keys.get(id).state
    },
    async close() {
      // Short: an aborted fetch leaves a fresh, request-less connection that only the deadline
      // closes (LocalServer waits for connections that never sent a request).
      await server.close(200)
      await mock.close()
    },
  }
}

/** Distinct upstream key secrets whose last 4 characters differ. */
export function upstreamKeys(count: number, tag = 'k'): string[] {
  return Array.from(
    { length: count },
    (_, i) => `sk-test-${tag}-${'x'.repeat(24)}${String(1000 + i).padStart(4, '0')}`,
  )
}
