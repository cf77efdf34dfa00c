import { spawn, type ChildProcess } from 'node:child_process'

/**
 * A process a benchmark started (mock upstream, pass-through, KeyPool `serve`). Its output is
 * always read — a child blocked on a full stdout pipe would look like a slow proxy — and only
 * the tail is kept, for the error message when it fails. Every child is remembered until it
 * exits, so a failing benchmark (or a worker that exits abruptly) never leaves one running.
 */
export class BenchChild {
  readonly process: ChildProcess
  private output = ''
  private exited = false
  private readonly exit: Promise<number | null>

  private constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.process = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(this)
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    this.process.stdout!.on('data', keep)
    this.process.stderr!.on('data', keep)
    this.exit = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exited = true
        live.delete(this)
        resolve(code ?? (signal ? null : 0))
      })
      this.process.once('error', (error) => {
        this.output += `\n${String(error)}`
        this.exited = true
        live.delete(this)
        resolve(null)
      })
    })
  }

  /**
   * Starts a child and waits until its output matches `ready` (its listening line). Rejects with
   * the child's output when it exits first or stays silent for `timeoutMs`; the child is killed.
   */
  static async start(options: {
    name: string
    command: string
    args: readonly string[]
    env?: NodeJS.ProcessEnv
    ready: RegExp
    timeoutMs?: number
  }): Promise<{ child: BenchChild; match: RegExpExecArray }> {
    const child = new BenchChild(
      options.name,
      options.command,
      options.args,
      options.env ?? process.env,
    )
    const timeoutMs = options.timeoutMs ?? 20_000
    try {
      const match = await new Promise<RegExpExecArray>((resolve, reject) => {
        const check = (): void => {
          const found = options.ready.exec(child.output)
          if (found) {
            cleanup()
            resolve(found)
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`${options.name} not ready after ${timeoutMs} ms:\n${child.output}`))
        }, timeoutMs)
        const exited = (code: number | null): void => {
          cleanup()
          reject(new Error(`${options.name} exited (${code}) before ready:\n${child.output}`))
        }
        const cleanup = (): void => {
          clearTimeout(timer)
          child.process.stdout!.off('data', check)
          child.process.off('exit', exited)
        }
        child.process.stdout!.on('data', check)
        child.process.once('exit', exited)
        check()
      })
      return { child, match }
    } catch (error) {
      await child.stop()
      throw error
    }
  }

  get pid(): number {
    const pid = this.process.pid
    if (pid === undefined) throw new Error(`${this.name} has no pid (it failed to start)`)
    return pid
  }

  /** The last few KiB the child printed (for diagnostics). */
  get tail(): string {
    return this.output
  }

  /**
   * Asks the child to stop (SIGTERM: `serve` drains and exits 0, which also writes a CPU
   * profile), then kills it after `graceMs`. Resolves with the exit code.
   */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.exited) return this.exit
    this.signal('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.signal('SIGKILL')
        resolve()
      }, graceMs)
    })
    await Promise.race([this.exit, killed])
    clearTimeout(timer)
    return this.exit
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.exited || this.process.pid === undefined) return
    try {
      // By pid: the child itself, never anything matched by name.
      process.kill(this.process.pid, signal)
    } catch {
      // Already gone.
    }
  }

  /** Kills every child still running, synchronously (for the process 'exit' hook). */
  static killAll(): void {
    for (const child of live) child.signal('SIGKILL')
  }
}

const OUTPUT_TAIL = 8_192
const live = new Set<BenchChild>()

// A worker that exits without running the benchmark's afterAll (a crash, a timeout) still takes
// its children with it.
process.once('exit', () => BenchChild.killAll())
