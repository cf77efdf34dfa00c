/** Channel names shared by the Electron main process and the preload bridge. */
export const ipcChannels = {
  request: 'keypool:request',
  event: 'keypool:event',
} as const

/** The object the preload script exposes as `window.keypool`: `request` and `on`, nothing else. */
export interface KeyPoolBridge {
  request(operation: string, input: unknown): Promise<unknown>
  on(event: string, listener: (payload: unknown) => void): () => void
}
