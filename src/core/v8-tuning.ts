import v8 from 'node:v8'

/**
 * V8 settings for the process that runs the proxy, applied once at start by each entry
 * (`serve` and the Electron main process) before the store is opened.
 *
 * `--no-allocation-site-pretenuring`: V8 watches which allocation sites' objects survive young
 * collections and starts allocating those directly in the old generation. With a proxy's
 * traffic (short-lived request objects behind long-lived sockets and pools) in a process whose
 * old generation is already some megabytes (the bundle, the key pool, the statistics ring), it
 * misjudges: request objects land in the old generation, keep their young children alive
 * through every scavenge, and 30–40% of all young memory survives instead of ~1%. Measured
 * (docs/performance.md, "V8 pretenuring"): the same minimal pass-through handler at 73–79 µs of
 * CPU per request inside KeyPool's process against 57 µs with this flag, scavenges 17 ms
 * instead of 2 ms; a 250,000-object heap alone does it to the standalone pass-through
 * (12,300 → 14,500 req/s). Nothing in KeyPool relies on pretenuring.
 */
export function applyV8Tuning(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring')
}
