import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CHAT_PATH, chatBody, type BenchTarget } from './bench-target'
import { LOAD_CORE, PROXY_CORE } from './cpu-pinning'
import { childrenCpuSeconds, CoreMeter, CpuMeter } from './process-usage'
import type { ThroughputSample } from './throughput-run'

/**
 * The request, and a check of every answer: a 200 whose body holds `BENCH_NEEDLE` (a finished
 * completion, or a stream's `[DONE]`). Each wrk thread counts its own misses; `done` adds them.
 */
const SCRIPT = `
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
local needle = os.getenv("BENCH_NEEDLE")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, needle, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("bad answers: %d\\n", total))
end
`

let scriptFile: string | undefined

function scriptPath(): string {
  if (!scriptFile) {
    scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keypool-wrk-')), 'chat.lua')
    fs.writeFileSync(scriptFile, SCRIPT)
  }
  return scriptFile
}

const unitMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

/** `1.50ms` → 1.5. */
function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text)
  if (!match) throw new Error(`wrk printed a latency it cannot read: ${text}`)
  return Number(match[1]) * unitMs[match[2]!]!
}

/** The figures of wrk's report (`--latency`); throws when the report is not wrk's. */
export function parseWrkReport(report: string): {
  requests: number
  seconds: number
  p50: number
  p99: number
  socketErrors: number
  non2xx: number
  badAnswers: number
  bytes: number
} {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+)(B|KB|MB|GB) read/.exec(report)
  const p50 = /^\s+50%\s+(\S+)$/m.exec(report)
  const p99 = /^\s+99%\s+(\S+)$/m.exec(report)
  const bad = /bad answers: (\d+)/.exec(report)
  if (!total || !p50 || !p99 || !bad) throw new Error(`not a wrk report:\n${report}`)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(report)?.[1] ?? 0)
  const scale: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }
  return {
    requests: Number(total[1]),
    seconds: durationMs(`${total[2]}${total[3]}`) / 1000,
    p50: durationMs(p50[1]!),
    p99: durationMs(p99[1]!),
    socketErrors,
    non2xx,
    badAnswers: Number(bad[1]),
    bytes: Number(total[4]) * scale[total[5]!]!,
  }
}

/**
 * `runThroughput` with `wrk` (one thread, on the load core like this process) instead of
 * autocannon: the same request, connections and answer check, at a fraction of the load
 * core's CPU. Under autocannon the load side barely outruns the pass-through (1.06–1.34× in the
 * full runs), so the proxies are not driven to their limit; wrk leaves the load core room, and
 * the proxy core is the one that saturates, which is what a throughput ratio should measure.
 */
export async function runThroughputWrk(
  target: BenchTarget,
  options: { stream: boolean; connections: number; seconds: number; mockPid: number },
): Promise<ThroughputSample> {
  const meters = { target: new CpuMeter(target.pid), mock: new CpuMeter(options.mockPid) }
  const load = new CpuMeter(process.pid)
  const cores = new CoreMeter()
  const childrenBefore = childrenCpuSeconds()
  const started = performance.now()
  for (const meter of [...Object.values(meters), load]) meter.start()
  cores.start()
  const report = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      'wrk',
      [
        '-t1',
        `-c${options.connections}`,
        `-d${options.seconds}s`,
        '--timeout',
        '30s',
        '--latency',
        '-s',
        scriptPath(),
        `${target.origin}${CHAT_PATH}`,
      ],
      {
        env: {
          ...process.env,
          BENCH_BODY: chatBody(options.stream),
          BENCH_AUTH: target.authorization,
          BENCH_NEEDLE: options.stream ? 'data: [DONE]' : '"finish_reason":"stop"',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}:\n${out}`)),
    )
  })
  const targetCpu = meters.target.stop()
  const mockCpu = meters.mock.stop()
  const ownLoad = load.stop()
  const busy = cores.stop()
  const wall = (performance.now() - started) / 1000
  const childrenAfter = childrenCpuSeconds()
  // wrk's CPU lands in this process's children's time once it has been reaped ('close').
  const wrkCpu =
    childrenBefore === null || childrenAfter === null || wall <= 0
      ? null
      : (childrenAfter - childrenBefore) / wall
  const figures = parseWrkReport(report)
  const rps = figures.requests / figures.seconds
  return {
    rps,
    p50: figures.p50,
    p99: figures.p99,
    // A non-2xx answer is a bad answer too (the script checks the status): not added twice.
    errors: figures.socketErrors + figures.badAnswers,
    bytesPerSecond: figures.bytes / figures.seconds,
    targetCpu,
    cpuMicrosPerRequest: targetCpu === null || rps === 0 ? null : (targetCpu * 1e6) / rps,
    loadCpu: ownLoad === null || wrkCpu === null ? null : ownLoad + wrkCpu,
    mockCpu,
    proxyCoreBusy: busy?.[PROXY_CORE] ?? null,
    loadCoreBusy: busy?.[LOAD_CORE] ?? null,
  }
}
