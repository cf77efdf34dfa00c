import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendJson } from '../core/http/json-response'
import type { AdminGate } from './admin-gate'
import { sendError } from './http-adapter'
import { BodyTooLargeError, mediaType, readBody } from './read-body'

/**
 * `POST /token` (the seed's login): form field `password` = the admin token; answers
 * `{access_token, token_type: "bearer"}`. The access token is the admin token itself: there is
 * no session state to steal or expire, and logging out is forgetting it in the browser.
 */
export function createTokenRoute(gate: AdminGate) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return sendError(res, 'invalid_input', 'Use POST', { allow: 'POST' })
    const type = mediaType(req)
    if (type !== 'application/x-www-form-urlencoded' && type !== 'application/json') {
      return sendError(res, 'unsupported_media_type', 'Send a form or JSON body with "password"')
    }
    let raw: string
    try {
      raw = (await readBody(req, 16 * 1024)).toString('utf8')
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendError(res, 'payload_too_large', error.message)
      throw error
    }
    const password =
      type === 'application/json'
        ? jsonPassword(raw)
        : (new URLSearchParams(raw).get('password') ?? undefined)
    const outcome = gate.login(req.socket.remoteAddress ?? 'unknown', password)
    if (outcome === 'ok') {
      return sendJson(res, 200, { access_token: password, token_type: 'bearer' })
    }
    if (outcome === 'denied') return sendError(res, 'unauthorized', 'Wrong admin token')
    return sendError(res, 'too_many_requests', 'Too many failed attempts; try again later', {
      'retry-after': String(outcome),
    })
  }
}

function jsonPassword(raw: string): string | undefined {
  try {
    const value = (JSON.parse(raw) as { password?: unknown }).password
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}
