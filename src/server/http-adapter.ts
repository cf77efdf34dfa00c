import type { IncomingMessage, ServerResponse } from 'node:http'
import type { OperationRouter } from '../core/router/operation-router'
import { sendJson } from '../core/http/json-response'
import { adminErrorStatus, type AdminErrorCode, type Envelope } from '../shared/errors'
import type { AdminGate } from './admin-gate'
import { buildRouteTable, matchRoute } from './http-route-table'
import { BodyTooLargeError, mediaType, readBody } from './read-body'

const MAX_ADMIN_BODY_BYTES = 64 * 1024 * 1024
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Serves the contract over HTTP: each operation's method and path become a route under `/api`.
 * Input = path parameters + query (GET/DELETE) + JSON body, validated by the same router the IPC
 * transport uses, so both give the same results and the same errors.
 */
export function createHttpAdapter(router: OperationRouter, gate: AdminGate) {
  const routes = buildRouteTable()

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!gate.authorize(req, res)) return
    const url = new URL(req.url ?? '/', 'http://localhost')
    const method = req.method ?? 'GET'
    const match = matchRoute(routes, method, url.pathname)
    if (match.kind === 'none') return sendError(res, 'not_found', 'No such API route')
    if (match.kind === 'bad-parameter') {
      return sendError(res, 'invalid_input', 'A path parameter is not valid percent-encoding')
    }
    if (match.kind === 'wrong-method') {
      return sendJson(
        res,
        405,
        { error: { code: 'invalid_input', message: `Use ${match.allowed.join(' or ')}` } },
        { allow: match.allowed.join(', ') },
      )
    }

    let input: Record<string, unknown> = {}
    if (method === 'GET' || method === 'DELETE') input = queryInput(url, match.route.queryAliases)
    if (METHODS_WITH_BODY.has(method)) {
      const body = await readJsonBody(req, res)
      if (body === failed) return
      if (body !== undefined) {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          return sendError(res, 'invalid_input', 'The request body must be a JSON object')
        }
        input = { ...input, ...(body as Record<string, unknown>) }
      }
    }
    // Path parameters win: a body cannot redirect an operation to another id.
    Object.assign(input, match.params)

    const envelope = await router.call(match.route.operation, input, { transport: 'http' })
    sendEnvelope(res, envelope)
  }
}

const failed = Symbol('failed')

/**
 * The query string as input fields; a repeated name becomes an array. Built as own data
 * properties (`Object.fromEntries`), never by assignment: `?__proto__=x` must arrive as an
 * unknown field the strict schema refuses, not silently re-point the object's prototype.
 */
function queryInput(url: URL, aliases: Readonly<Record<string, string>>): Record<string, unknown> {
  const fields = new Map<string, unknown>()
  for (const [name, value] of url.searchParams) {
    const field = Object.hasOwn(aliases, name) ? aliases[name]! : name
    const previous = fields.get(field)
    fields.set(field, previous === undefined ? value : ([] as unknown[]).concat(previous, value))
  }
  return Object.fromEntries(fields)
}

async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<unknown | typeof failed> {
  const declaredLength = req.headers['content-length']
  const hasBody = req.headers['transfer-encoding'] !== undefined || (declaredLength ?? '0') !== '0'
  if (!hasBody) return undefined
  if (mediaType(req) !== 'application/json') {
    sendError(res, 'unsupported_media_type', 'Send the body as application/json')
    return failed
  }
  let raw: Buffer
  try {
    raw = await readBody(req, MAX_ADMIN_BODY_BYTES)
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(res, 'payload_too_large', error.message)
      return failed
    }
    throw error
  }
  if (raw.length === 0) return undefined
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch {
    sendError(res, 'invalid_input', 'The request body is not valid JSON')
    return failed
  }
}

export function sendEnvelope(res: ServerResponse, envelope: Envelope<unknown>): void {
  if (envelope.ok) return sendJson(res, 200, envelope.data)
  sendJson(res, adminErrorStatus[envelope.error.code], { error: envelope.error })
}

export function sendError(
  res: ServerResponse,
  code: AdminErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, adminErrorStatus[code], { error: { code, message } }, headers)
}
