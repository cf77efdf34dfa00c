import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/** `npm run soak`: one long run, alone on the machine, printing its figures as it goes. */
export default defineConfig({
  test: {
    name: 'soak',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/soak/**/*.test.ts'],
    setupFiles: ['test/setup/node-setup.ts'],
    environment: 'node',
    fileParallelism: false,
    hookTimeout: 60_000,
  },
})
