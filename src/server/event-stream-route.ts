import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EventBus } from '../core/events/event-bus'
import type { AdminGate } from './admin-gate'

const HEARTBEAT_MS = 15_000

/**
 * `GET /api/events`: the contract's events as server-sent events (`event: <name>`, JSON data).
 * Authorized like every admin route; browsers read it with fetch, not EventSource, because
 * EventSource cannot send an Authorization header.
 */
export function createEventStreamRoute(events: EventBus, gate: AdminGate) {
  return (req: IncomingMessage, res: ServerResponse): void => {
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
    const stop = (): void => {
      clearInterval(heartbeat)
      unsubscribe()
    }
    req.once('close', stop)
    res.once('close', stop)
  }
}
