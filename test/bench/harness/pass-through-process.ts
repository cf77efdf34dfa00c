import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchChild } from './bench-child'
import { PROXY_CORE, pinnedCommand } from './cpu-pinning'

const entry = fileURLToPath(new URL('./pass-through-proxy.mjs', import.meta.url))

/** The minimal undici pass-through (`pass-through-proxy.mjs`) running on the proxy core. */
export interface PassThroughProcess {
  child: BenchChild
  /** Its origin, e.g. `http://127.0.0.1:PORT`; clients call `${url}/v1/…`. */
  url: string
  stop(): Promise<void>
}

/**
 * Starts the pass-through in front of `upstream` (a base URL ending in `/v1`), over `keys`.
 * `connections` caps its connections to the upstream (default 128, like KeyPool; 0: no cap);
 * `cpuProfileDir` runs it under `--cpu-prof` (a profile to hold KeyPool's against); `nodeFlags`
 * and `env` change how Node runs it (the V8 pretenuring benchmark preloads a heap).
 */
export async function startPassThroughProcess(
  upstream: string,
  keys: readonly string[],
  options: {
    connections?: number
    cpuProfileDir?: string
    /** More Node flags (e.g. `--import` of a preload), before the script. */
    nodeFlags?: readonly string[]
    env?: Readonly<Record<string, string>>
  } = {},
): Promise<PassThroughProcess> {
  const nodeFlags = [
    ...(options.nodeFlags ?? []),
    ...(options.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfileDir)}`]
      : []),
  ]
  const { command, args } = pinnedCommand(PROXY_CORE, process.execPath, [...nodeFlags, entry])
  const { child, match } = await BenchChild.start({
    name: 'pass-through proxy',
    command,
    args,
    env: {
      ...process.env,
      ...options.env,
      PASS_THROUGH_UPSTREAM: upstream,
      PASS_THROUGH_KEYS: keys.join(','),
      PASS_THROUGH_CONNECTIONS: String(options.connections ?? 128),
    },
    ready: /pass-through listening on (http:\/\/\S+)\n/,
  })
  return {
    child,
    url: match[1]!,
    stop: async () => {
      await child.stop(5_000)
    },
  }
}
