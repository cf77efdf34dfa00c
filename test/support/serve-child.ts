import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

/** The built headless entry (`npm run build`); tests that spawn it skip when it is missing. */
export const BUILT_SERVER_ENTRY = path.resolve('out/server/index.js')

export interface ServeChildOptions {
  dataDir: string
  /** KEYPOOL_ADMIN_TOKEN for the child (at least 16 characters). */
  adminToken: string
  /** Base URL of the provider created on first start (KEYPOOL_DEFAULT_PROVIDER_URL). */
  providerUrl: string
  /** Extra environment variables. */
  env?: Record<string, string>
  /** How long to wait for the listening line. */
  startTimeoutMs?: number
  /** Node options before the entry, e.g. `--trace-gc`. */
  nodeOptions?: string[]
  /** Sees everything the child writes to stdout, as it arrives. */
  onStdout?: (text: string) => void
}

/** A `node out/server/index.js` child: pid for /proc, its URL once listening, and its exit. */
export interface ServeChild {
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves with the listener's origin (`http://127.0.0.1:PORT`); rejects if it exits first. */
  readonly listening: Promise<string>
  /** Resolves with the exit code (null when killed by a signal) once the OS has reaped it. */
  readonly exited: Promise<number | null>
  /** What the child wrote to stdout and stderr so far (for failure messages). */
  output(): string
}

const running = new Set<ChildProcess>()

// A crashed or timed-out test must not leave a KeyPool behind: kill by PID on the way out.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Spawns the built server on a free loopback port against `dataDir`. */
export function spawnServe(options: ServeChildOptions): ServeChild {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeOptions ?? []),
      BUILT_SERVER_ENTRY,
      '--data-dir',
      options.dataDir,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    {
      env: {
        ...process.env,
        KEYPOOL_ADMIN_TOKEN: options.adminToken,
        KEYPOOL_DEFAULT_PROVIDER_URL: options.providerUrl,
        KEYPOOL_PASSPHRASE: '',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  if (child.pid === undefined) throw new Error('could not spawn the KeyPool server')
  running.add(child)
  let output = ''
  // Bounded: a chatty child must not grow the test's memory without end.
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const onStdout = options.onStdout
  if (onStdout) child.stdout!.on('data', (chunk: Buffer) => onStdout(chunk.toString()))
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child)
      resolve(code)
    })
  })
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`KeyPool did not start within the timeout:\n${output}`)),
      options.startTimeoutMs ?? 15_000,
    )
    const watch = (): void => {
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      child.stdout!.off('data', watch)
      resolve(match[1]!)
    }
    child.stdout!.on('data', watch)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`KeyPool exited (${code}) before listening:\n${output}`))
    })
  })
  // Callers that kill before the listening line must not see an unhandled rejection.
  listening.catch(() => undefined)
  return { child, pid: child.pid, listening, exited, output: () => output }
}

/** SIGKILLs the child (if still running) and waits until it is reaped, so its pid is free. */
export async function killServe(serve: ServeChild): Promise<void> {
  if (serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGKILL')
  }
  await serve.exited
}

/** Kills every child this module started that is still running (afterAll, even on failure). */
export async function killAllServeChildren(): Promise<void> {
  const children = [...running]
  for (const child of children) child.kill('SIGKILL')
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode !== null
            ? resolve()
            : child.once('exit', () => resolve()),
        ),
    ),
  )
}
