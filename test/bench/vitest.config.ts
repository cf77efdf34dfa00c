import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/** Benchmarks print figures and assert no timings; kept out of `vitest run` by their suffix. */
export default defineConfig({
  test: {
    name: 'bench',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/bench/**/*.bench.ts'],
    setupFiles: ['test/setup/node-setup.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
