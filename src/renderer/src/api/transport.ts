import type { Envelope } from '../../../shared/errors'

/** How the api client reaches the core: IPC in the desktop app, HTTP in a browser. */
export interface Transport {
  readonly kind: 'ipc' | 'http'
  request(operation: string, input: unknown): Promise<Envelope<unknown>>
  on(event: string, listener: (payload: unknown) => void): () => void
}
