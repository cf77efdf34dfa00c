import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { SettingsPatch } from '../../../src/shared/contract/settings'
import { BenchChild } from './bench-child'
import { PROXY_CORE, pinnedCommand } from './cpu-pinning'

const ENTRY = path.resolve('out/server/index.js')
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'

/** One upstream of the benchmark: a provider pointing at a mock listener, with its keys. */
export interface BenchProvider {
  baseUrl: string
  keys: readonly string[]
}

/** KeyPool's built `serve` entry running on the proxy core, seeded for a benchmark. */
export interface KeyPoolServeProcess {
  child: BenchChild
  /** Its origin, e.g. `http://127.0.0.1:PORT`; clients call `${url}/v1/…`. */
  url: string
  /** One sub-key secret per provider, restricted to it (in the order given). */
  subKeys: string[]
  /** True when a source of `out/server/index.js` changed after the build: stale figures. */
  buildStale: boolean
  /** Calls the admin API; throws unless it answers 2xx. */
  admin(method: string, route: string, body?: unknown): Promise<unknown>
  /** SIGTERM (drains, exits 0, writes the CPU profile when asked for), then removes its data. */
  stop(): Promise<void>
}

/**
 * True when a source file the server bundle was built from changed after the build (read from
 * the bundle's source map, so an edit elsewhere, e.g. in the renderer, does not count).
 */
function bundleIsStale(): boolean {
  const built = fs.statSync(ENTRY).mtimeMs
  const mapFile = `${ENTRY}.map`
  if (!fs.existsSync(mapFile)) return false
  const { sources } = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[] }
  return sources.some((source) => {
    const file = path.resolve(path.dirname(ENTRY), source)
    return fs.existsSync(file) && fs.statSync(file).mtimeMs > built
  })
}

/**
 * Starts `node out/server/index.js` on a fresh data folder, pinned to the proxy core, the way a
 * user runs it. Provider 1 (created on first start) points at the first upstream; one provider
 * more per further upstream. Each provider gets its keys and a sub-key restricted to it, without
 * limits (no reservation write), and validation never runs (it would add traffic to the mock).
 * `settings` is applied on top. `cpuProfileDir` runs it under `--cpu-prof`; `entry` runs another
 * build instead (the proxy benchmark's baseline).
 */
export async function startKeyPoolServe(options: {
  providers: readonly BenchProvider[]
  settings?: SettingsPatch
  cpuProfileDir?: string
  /** Another build's `out/server/index.js` (a baseline to compare with); default: this one. */
  entry?: string
}): Promise<KeyPoolServeProcess> {
  const entry = options.entry ? path.resolve(options.entry) : ENTRY
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`)
  const buildStale = entry === ENTRY && bundleIsStale()
  const [first, ...others] = options.providers
  if (!first) throw new Error('at least one provider is needed')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypool-bench-serve-'))
  const nodeFlags = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfileDir)}`]
    : []
  const { command, args } = pinnedCommand(PROXY_CORE, process.execPath, [
    ...nodeFlags,
    entry,
    '--data-dir',
    dataDir,
    '--port',
    '0',
  ])
  let child: BenchChild
  let url: string
  try {
    const started = await BenchChild.start({
      name: 'KeyPool serve',
      command,
      args,
      env: {
        ...process.env,
        KEYPOOL_ADMIN_TOKEN: ADMIN_TOKEN,
        KEYPOOL_DEFAULT_PROVIDER_URL: first.baseUrl,
        KEYPOOL_LOG_LEVEL: 'info',
      },
      ready: /listening on (http:\/\/\S+)\n[^]*data:/,
    })
    child = started.child
    url = started.match[1]!
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true })
    throw error
  }

  const admin = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`)
    return text ? (JSON.parse(text) as unknown) : null
  }
  const stop = async (): Promise<void> => {
    await child.stop(15_000)
    fs.rmSync(dataDir, { recursive: true, force: true })
  }

  try {
    await admin('PATCH', '/api/settings', {
      ...options.settings,
      validation: { onAdd: false, scheduleMinutes: 0, ...options.settings?.validation },
    })
    const providerIds = [1]
    for (const [i, provider] of others.entries()) {
      const created = (await admin('POST', '/api/providers', {
        name: `Mock ${i + 2}`,
        baseUrl: provider.baseUrl,
        enabled: true,
      })) as { id: number }
      providerIds.push(created.id)
    }
    const subKeys: string[] = []
    for (const [i, provider] of options.providers.entries()) {
      const providerId = providerIds[i]!
      await admin('POST', '/api/keys/bulk', { keys: provider.keys.join('\n'), providerId })
      const created = (await admin('POST', '/api/sub-keys', {
        name: `bench ${i + 1}`,
        providerId,
      })) as { secret: string }
      subKeys.push(created.secret)
    }
    return { child, url, subKeys, buildStale, admin, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
