import { vi } from 'vitest'

// Resolve `electron` to __mocks__/electron.ts in every Node test: the real package would try to
// download the Electron binary.
vi.mock('electron')
