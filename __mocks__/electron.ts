/**
 * Stand-in for the `electron` module in Node tests. The real package would try to download the
 * Electron binary on first use. Tests replace the pieces they exercise with `vi.spyOn` or by
 * assigning fakes; everything here is inert by default.
 */
import { vi } from 'vitest'

export const app = {
  isPackaged: false,
  getPath: vi.fn(() => '/tmp/keypool-test'),
  requestSingleInstanceLock: vi.fn(() => true),
  whenReady: vi.fn(() => Promise.resolve()),
  on: vi.fn(),
  quit: vi.fn(),
  exit: vi.fn(),
}

export const ipcMain = {
  handle: vi.fn(),
  removeHandler: vi.fn(),
  on: vi.fn(),
}

export const ipcRenderer = {
  invoke: vi.fn(),
  on: vi.fn(),
  removeListener: vi.fn(),
}

export const contextBridge = {
  exposeInMainWorld: vi.fn(),
}

export const protocol = {
  registerSchemesAsPrivileged: vi.fn(),
  handle: vi.fn(),
}

export const net = {
  fetch: vi.fn(),
}

export const shell = {
  openExternal: vi.fn(() => Promise.resolve()),
}

export const safeStorage = {
  isEncryptionAvailable: vi.fn(() => false),
  getSelectedStorageBackend: vi.fn(() => 'basic_text'),
  encryptString: vi.fn(),
  decryptString: vi.fn(),
}

export const BrowserWindow = vi.fn()

export default {
  app,
  ipcMain,
  ipcRenderer,
  contextBridge,
  protocol,
  net,
  shell,
  safeStorage,
  BrowserWindow,
}
