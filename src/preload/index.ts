import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { ipcChannels, type KeyPoolBridge } from '../shared/ipc-channels'

/**
 * The whole bridge: `request` and `on`, frozen. Listeners get the event name's payload only,
 * never the IPC event object (which would expose `sender`).
 */
const bridge: KeyPoolBridge = Object.freeze({
  request: (operation: string, input: unknown) =>
    ipcRenderer.invoke(ipcChannels.request, operation, input),
  on: (event: string, listener: (payload: unknown) => void) => {
    const wrapped = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (name === event) listener(payload)
    }
    ipcRenderer.on(ipcChannels.event, wrapped)
    return () => {
      ipcRenderer.removeListener(ipcChannels.event, wrapped)
    }
  },
})

contextBridge.exposeInMainWorld('keypool', bridge)
