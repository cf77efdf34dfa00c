import fc from 'fast-check'
import { vi } from 'vitest'

// Resolve `electron` to __mocks__/electron.ts in every Node test: the real package would try to
// download the Electron binary.
vi.mock('electron')

// Tests never reach the internet: the provider created on first start points at a closed
// loopback port, so validation on add or any forgotten request stays on this machine.
process.env.KEYPOOL_DEFAULT_PROVIDER_URL = 'http://127.0.0.1:9/v1'

// Property tests run from a fixed seed so that CI cannot fail at random; `FC_SEED=random` (or
// another number) explores other inputs, and a failure prints the seed that reproduces it.
const seedSetting = process.env.FC_SEED ?? '20261121'
if (seedSetting !== 'random') fc.configureGlobal({ seed: Number(seedSetting) })
