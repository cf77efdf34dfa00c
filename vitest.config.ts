import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

/** Tests run where the code runs: Node for core/server/main, happy-dom for the renderer. */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'test/unit/{shared,core,server,main,soak,bench}/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/lint/**/*.test.ts',
          ],
          setupFiles: ['test/setup/node-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['test/unit/renderer/**/*.test.ts'],
        },
      },
    ],
  },
})
