import { builtinModules } from 'node:module'
import { defineConfig } from 'vite'
import pkg from './package.json' with { type: 'json' }

/** Builds the headless server (`npm run serve`) into out/server; dependencies stay external. */
export default defineConfig({
  build: {
    ssr: 'src/server/index.ts',
    outDir: 'out/server',
    emptyOutDir: true,
    target: 'node24',
    sourcemap: true,
    rollupOptions: {
      external: [
        ...Object.keys(pkg.dependencies),
        ...builtinModules,
        ...builtinModules.map((name) => `node:${name}`),
      ],
      output: { format: 'es', entryFileNames: 'index.js' },
    },
  },
})
