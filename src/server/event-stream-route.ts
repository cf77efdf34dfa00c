import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EventBus } from '../core/events/event-bus'
import type { AdminGate } from './admin-gate'

const HEARTBEAT_MS = 15_000

/**
 * `GET /api/events`: the contract's events as server-sent events (`event: <name>`, JSON data).
 * Authorized like every admin route; browsers read it with fetch, not EventSource, because
 * EventSource cannot send an Authorization header.
 */
export interface EventStreamRoute {
  handle(req: IncomingMessage, res: ServerResponse): void
  /** Ends every open stream: at a stop they would otherwise hold the drain until its deadline. */
  closeAll(): void
}

export function createEventStreamRoute(events: EventBus, gate: AdminGate): EventStreamRoute {
  const open = new Set<ServerResponse>()
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!gate.authorize(req, res)) return
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    })
    res.write(': connected\n\n')
    const unsubscribe = events.onAny((name, payload) => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    open.add(res)
    const stop = (): void => {
      clearInterval(heartbeat)
      unsubscribe()
      open.delete(res)
    }
    req.once('close', stop)
    res.once('close', stop)
  }
  return {
    handle,
    closeAll() {
      for (const res of open) res.end()
    },
  }
}
