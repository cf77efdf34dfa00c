import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import type { EventBus } from '../core/events/event-bus'
import type { OperationRouter } from '../core/router/operation-router'
import { ipcChannels } from '../shared/ipc-channels'
import type { Envelope } from '../shared/errors'
import { isTrustedSender } from './sender-check'

export interface IpcAdapterOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>
  router: OperationRouter
  events: EventBus
  /** The windows that receive pushed events. */
  targets: () => WebContents[]
  devServerUrl?: string
}

/**
 * Serves the contract over IPC. Every call's sender frame is checked first; the router
 * validates the input. Results and errors both travel as envelopes, because Electron keeps only
 * the message of a rejected promise.
 */
export function registerIpcAdapter(options: IpcAdapterOptions): () => void {
  const { ipcMain, router, events } = options
  ipcMain.handle(
    ipcChannels.request,
    async (
      event: IpcMainInvokeEvent,
      operation: unknown,
      input: unknown,
    ): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event.senderFrame, options.devServerUrl)) {
        return { ok: false, error: { code: 'forbidden', message: 'Untrusted sender' } }
      }
      return router.call(operation, input, { transport: 'ipc' })
    },
  )
  const unsubscribe = events.onAny((name, payload) => {
    for (const contents of options.targets()) {
      if (!contents.isDestroyed()) contents.send(ipcChannels.event, name, payload)
    }
  })
  return () => {
    unsubscribe()
    ipcMain.removeHandler(ipcChannels.request)
  }
}
