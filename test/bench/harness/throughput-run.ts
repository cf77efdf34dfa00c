import autocannon from 'autocannon'
import { CHAT_PATH, chatBody, type BenchTarget } from './bench-target'
import { LOAD_CORE, PROXY_CORE } from './cpu-pinning'
import { CoreMeter, CpuMeter } from './process-usage'

/** One timed load run against one target. */
export interface ThroughputSample {
  /** Completed requests per second (every status; errors are counted apart). */
  rps: number
  /** Latency under load, ms (autocannon's histogram has 1 ms resolution). */
  p50: number
  p99: number
  /** Connection errors + timeouts + non-2xx answers + bodies that failed the check. */
  errors: number
  /** Response bytes per second. */
  bytesPerSecond: number
  /** Cores used by the target's process (1.0 = one core busy the whole run). */
  targetCpu: number | null
  /**
   * The target's CPU time per request, µs. Unlike requests/s it barely moves when other
   * processes share the core, so on a loaded machine it is the figure to compare.
   */
  cpuMicrosPerRequest: number | null
  /** Cores used by the load generator (this process). */
  loadCpu: number | null
  /** Cores used by the mock upstream's process. */
  mockCpu: number | null
  /**
   * How busy the proxy core was, by anyone: well above `targetCpu` means other processes
   * shared it (a loaded machine), and the run understates the proxy.
   */
  proxyCoreBusy: number | null
  /** How busy the load core (mock + load generator) was, by anyone. */
  loadCoreBusy: number | null
}

/**
 * A complete answer: a non-streamed completion closes its JSON object; a stream ends with the
 * `[DONE]` event. A truncated stream or an error body is a mismatch, counted as an error.
 */
function completeBody(stream: boolean): (body: string) => boolean {
  return stream
    ? (body) => body.endsWith('data: [DONE]\n\n')
    : (body) => body.includes('"finish_reason":"stop"')
}

/**
 * Drives `target` with `connections` keep-alive connections for `seconds`, each sending the
 * benchmark's chat completion back to back (no pipelining: clients of an LLM API don't), and
 * meters the CPU of the target, the mock and this process meanwhile.
 */
export async function runThroughput(
  target: BenchTarget,
  options: { stream: boolean; connections: number; seconds: number; mockPid: number },
): Promise<ThroughputSample> {
  const meters = {
    target: new CpuMeter(target.pid),
    load: new CpuMeter(process.pid),
    mock: new CpuMeter(options.mockPid),
  }
  const cores = new CoreMeter()
  for (const meter of Object.values(meters)) meter.start()
  cores.start()
  const result = await autocannon({
    url: `${target.origin}${CHAT_PATH}`,
    method: 'POST',
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 30,
    headers: { authorization: target.authorization, 'content-type': 'application/json' },
    body: chatBody(options.stream),
    verifyBody: completeBody(options.stream) as (body: unknown) => boolean,
  })
  const targetCpu = meters.target.stop()
  const loadCpu = meters.load.stop()
  const mockCpu = meters.mock.stop()
  const busy = cores.stop()
  const proxyCoreBusy = busy?.[PROXY_CORE] ?? null
  const loadCoreBusy = busy?.[LOAD_CORE] ?? null
  const rps = result.requests.total / result.duration
  return {
    rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.mismatches,
    bytesPerSecond: result.throughput.total / result.duration,
    targetCpu,
    cpuMicrosPerRequest: targetCpu === null || rps === 0 ? null : (targetCpu * 1e6) / rps,
    loadCpu,
    mockCpu,
    proxyCoreBusy,
    loadCoreBusy,
  }
}
