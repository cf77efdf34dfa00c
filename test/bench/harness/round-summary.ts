import type { TargetRounds } from './bench-results'
import type { LatencySample } from './sequential-latency'
import { median, medianOf } from './statistics'
import type { ThroughputSample } from './throughput-run'

/** The rounds of one target in a throughput scenario, with the median of every figure. */
export function throughputRounds(rounds: ThroughputSample[]): TargetRounds<ThroughputSample> {
  return {
    rounds,
    median: {
      rps: median(rounds.map((r) => r.rps)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      errors: median(rounds.map((r) => r.errors)),
      bytesPerSecond: median(rounds.map((r) => r.bytesPerSecond)),
      targetCpu: medianOf(rounds, (r) => r.targetCpu),
      cpuMicrosPerRequest: medianOf(rounds, (r) => r.cpuMicrosPerRequest),
      loadCpu: medianOf(rounds, (r) => r.loadCpu),
      mockCpu: medianOf(rounds, (r) => r.mockCpu),
      proxyCoreBusy: medianOf(rounds, (r) => r.proxyCoreBusy),
      loadCoreBusy: medianOf(rounds, (r) => r.loadCoreBusy),
    },
    errorsTotal: rounds.reduce((sum, r) => sum + r.errors, 0),
  }
}

/** The rounds of one target in a sequential-latency scenario, with the median of each figure. */
export function latencyRounds(rounds: LatencySample[]): TargetRounds<LatencySample> {
  const headers = rounds.map((r) => r.headersP50).filter((v): v is number => v !== null)
  return {
    rounds,
    median: {
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      headersP50: headers.length > 0 ? median(headers) : null,
      requests: rounds.reduce((sum, r) => sum + r.requests, 0),
      errors: median(rounds.map((r) => r.errors)),
    },
    errorsTotal: rounds.reduce((sum, r) => sum + r.errors, 0),
  }
}
