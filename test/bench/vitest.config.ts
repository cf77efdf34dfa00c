import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Benchmarks print figures and assert no timings; kept out of `vitest run` by their suffix.
 * `npm run bench` runs them all, one file at a time (they measure, so nothing may run beside
 * them); `npm run bench -- <file>` runs one. The global setup merges their figures into
 * `bench-results/<time>.json` and prints issue 8's targets at the end.
 */
export default defineConfig({
  test: {
    name: 'bench',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/bench/**/*.bench.ts'],
    setupFiles: ['test/setup/node-setup.ts'],
    globalSetup: ['test/bench/harness/global-setup.ts'],
    environment: 'node',
    // A worker process per file: the proxy benchmarks pin their own process to the load core.
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
