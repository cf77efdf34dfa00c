// Lets plain `node --experimental-transform-types` run the project's TypeScript test support
// (the mock upstream) in a child process: those files import siblings without an extension, as
// the bundler-style resolution of the rest of the project does, and Node wants the file name.
import { registerHooks } from 'node:module'

const hasExtension = /\.[cm]?[jt]s$/

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../')
      if (!relative || hasExtension.test(specifier)) throw error
      return nextResolve(`${specifier}.ts`, context)
    }
  },
})
