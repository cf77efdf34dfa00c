// Preloaded (`node --import`) into the pass-through by `v8-pretenuring.bench.ts`: gives the
// process an old generation of the size KeyPool's has (the bundle, the key pool, the statistics
// ring) before any request, so the minimal proxy can be measured in the heap state KeyPool runs
// in. BENCH_PRELOAD_OBJECTS small objects are kept alive for the process's life (default 250,000:
// about 20 MB). With PRETENURING_OFF=1 it also applies what KeyPool applies at start
// (src/core/v8-tuning.ts), to measure the flag alone.
import v8 from 'node:v8'

if (process.env.PRETENURING_OFF === '1') v8.setFlagsFromString('--no-allocation-site-pretenuring')
const count = Number(process.env.BENCH_PRELOAD_OBJECTS ?? 250_000)
globalThis.__benchPreloadedHeap = Array.from({ length: count }, (_, i) => ({
  i,
  name: `key-${i}`,
  tags: [i],
}))
