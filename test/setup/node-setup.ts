import { vi } from 'vitest'

// Resolve `electron` to __mocks__/electron.ts in every Node test: the real package would try to
// download the Electron binary.
vi.mock('electron')

// Tests never reach the internet: the provider created on first start points at a closed
// loopback port, so validation on add or any forgotten request stays on this machine.
process.env.KEYPOOL_DEFAULT_PROVIDER_URL = 'http://127.0.0.1:9/v1'
