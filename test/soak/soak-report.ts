import { describeSockets } from './process-probe'
import type { SoakReport } from './soak-run'

/** The soak's figures as the lines `npm run soak` prints (and docs/security.md quotes). */
export function formatSoakReport(report: SoakReport): string {
  const { options, memory, descriptors, sockets } = report
  const lines = [
    `R1 soak — seed ${options.seed} (SOAK_SEED replays the script), ${options.streams} streams, ` +
      `${options.durationMs / 1000} s of load, ${report.seconds.toFixed(1)} s to the last stream`,
    `requests: ${report.requests} (peak ${report.peakClientStreams} open at the client, ` +
      `${report.peakUpstreamRequests} at the upstream); time to 200 headers p50 ` +
      `${report.timeToHeadersMs.p50} ms, p95 ${report.timeToHeadersMs.p95} ms, max ` +
      `${report.timeToHeadersMs.max} ms`,
    'client outcomes:',
    ...report.causes.map(
      ({ cause, count, explained }) =>
        `  ${String(count).padStart(7)}  ${cause}${explained ? '' : '   ← NOT EXPLAINED'}`,
    ),
    `proxy-caused errors: ${report.unexplained}`,
    ...report.examples.map((example) => `  e.g. ${example}`),
    'upstream attempts: ' +
      Object.entries(report.attempts)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ') +
      `; after the client's answer: ${report.attemptsAfterAnswer} (after it left before the ` +
      `headers: ${report.attemptsAfterLeaving}); with a disabled key: ${report.forbiddenUses}`,
    'sub-keys (used = maxRequests − remaining, counted = requests, clients = 200 answers):',
    ...report.subKeys.map(
      (subKey) =>
        `  ${subKey.name.padEnd(10)} sent ${subKey.sent}, clients ${subKey.headers200}` +
        (subKey.abortedBeforeHeaders ? ` (+${subKey.abortedBeforeHeaders} left early)` : '') +
        `, counted ${subKey.counted}, used ${subKey.used ?? 'unlimited'}` +
        (subKey.maxRequests !== null && subKey.maxRequests < 1e9
          ? ` of ${subKey.maxRequests}`
          : ''),
    ),
    'keys: ' +
      report.keys
        .map(
          (key) =>
            `${key.role} ${key.state}${key.toInvalid ? ` (${key.toInvalid}× →invalid)` : ''}`,
        )
        .join(', '),
    `memory (${options.memoryTolerance === null ? 'reported only' : `limit ±${options.memoryTolerance * 100}%`}, halves after warm-up): live heap after full GC ` +
      `${memory.liveStartMiB ?? '–'} → ${memory.liveEndMiB ?? '–'} MiB ` +
      `(${memory.liveDriftPercent === null ? 'too few full GCs' : `${signed(memory.liveDriftPercent)}%`}, ` +
      `${memory.fullGcs} full GCs); live heap + external ${memory.heldStartMiB ?? '–'} → ` +
      `${memory.heldEndMiB ?? '–'} MiB (${memory.heldDriftPercent === null ? 'too few full GCs' : `${signed(memory.heldDriftPercent)}%`}); ` +
      `RSS peak ${memory.rssPeakStartMiB} → ${memory.rssPeakEndMiB} MiB ` +
      `(${signed(memory.rssPeakGrowthPercent)}%)`,
    `RSS, reported: median ${memory.rssStartMiB} → ${memory.rssEndMiB} MiB ` +
      `(${signed(memory.rssDriftPercent)}%), trend ${signed(memory.rssTrendPercent)}%, peak ` +
      `${memory.peakMiB} MiB, ${memory.samples} samples`,
    `RSS by tenth of the load (MiB): ${memory.tenthsMiB.join(', ')}`,
    `fds: ${descriptors.baselineFds} before the load, peak ${descriptors.peakFds}, ` +
      `${descriptors.endFds} after it`,
    `sockets: before ${describeSockets(sockets.baseline)}; peak ${sockets.peak}; after ` +
      describeSockets(sockets.end),
    `clean stop after the soak: exit ${report.cleanExit}`,
    report.problems.length === 0
      ? 'verdict: all R1 checks passed'
      : `verdict: FAILED\n${report.problems.map((problem) => `  - ${problem}`).join('\n')}`,
  ]
  return lines.join('\n')
}

const signed = (value: number): string => (value > 0 ? `+${value}` : String(value))
