import v8 from 'node:v8'

/**
 * V8 settings for the process that runs the proxy, applied once at start by each entry
 * (`serve` and the Electron main process) before the store is opened. The benchmark gives its
 * pass-through yardstick the same (test/bench/proxy-comparison.bench.ts), so that the comparison
 * measures KeyPool's work, not V8's settings.
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
 *
 * A larger inlining budget for the optimising compiler: a proxied request runs through some
 * hundred small functions of KeyPool, Node's HTTP server and undici, and V8's default budget
 * (460 bytes of bytecode per callee, 920 per function compiled) leaves most of those calls in
 * place. With 2,000 / 6,000 (and an absolute cap of 12,000), set here, a small request costs
 * 54.0 µs of CPU instead of 56.3 (two processes each, 8 paired rounds), the minimal pass-through
 * with the same flags 3% less (docs/performance.md, "Ninth round"). Only optimised code grows.
 */
export const V8_TUNING_FLAGS: readonly string[] = [
  '--no-allocation-site-pretenuring',
  '--max-inlined-bytecode-size=2000',
  '--max-inlined-bytecode-size-cumulative=6000',
  '--max-inlined-bytecode-size-absolute=12000',
]

export function applyV8Tuning(): void {
  for (const flag of V8_TUNING_FLAGS) v8.setFlagsFromString(flag)
}
