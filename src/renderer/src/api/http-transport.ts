import { createParser } from 'eventsource-parser'
import { contract, isOperationName } from '../../../shared/contract'
import type { Envelope } from '../../../shared/errors'
import type { Transport } from './transport'

export interface HttpTransportOptions {
  /** Origin of the headless server; '' means the page's own origin. */
  baseUrl?: string
  token: () => string | undefined
  fetch?: typeof fetch
}

/**
 * The contract over HTTP: the operation's method and path come from the shared contract, input
 * goes into path parameters, the query string (GET/DELETE) or a JSON body. Events arrive over
 * `GET /api/events`, read with fetch so the token can travel in a header.
 */
export function createHttpTransport(options: HttpTransportOptions): Transport {
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args))
  const base = options.baseUrl ?? ''
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let stream: AbortController | undefined

  const headers = (): Record<string, string> => {
    const token = options.token()
    return token ? { authorization: `Bearer ${token}` } : {}
  }

  async function request(operation: string, input: unknown): Promise<Envelope<unknown>> {
    if (!isOperationName(operation)) {
      return { ok: false, error: { code: 'unknown_operation', message: operation } }
    }
    const { method, path } = contract[operation]
    const fields: Record<string, unknown> = { ...((input as Record<string, unknown>) ?? {}) }
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = fields[name]
      delete fields[name]
      return encodeURIComponent(String(value))
    })
    const init: RequestInit = { method, headers: headers() }
    let target = `${base}${url}`
    if (method === 'GET' || method === 'DELETE') {
      const query = new URLSearchParams()
      for (const [name, value] of Object.entries(fields)) {
        if (value === undefined || value === null) continue
        for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item))
      }
      if ([...query].length > 0) target += `?${query}`
    } else {
      init.headers = { ...headers(), 'content-type': 'application/json' }
      init.body = JSON.stringify(fields)
    }
    let response: Response
    try {
      response = await doFetch(target, init)
    } catch {
      return { ok: false, error: { code: 'unavailable', message: 'KeyPool is not reachable' } }
    }
    const body = (await response.json().catch(() => undefined)) as
      { error?: Envelope<never> extends { error: infer E } ? E : never } | undefined
    if (response.ok) return { ok: true, data: body }
    return {
      ok: false,
      error: body?.error ?? { code: 'internal_error', message: `HTTP ${response.status}` },
    }
  }

  function ensureStream(): void {
    if (stream) return
    const controller = new AbortController()
    stream = controller
    void readEvents(controller.signal).finally(() => {
      if (stream === controller) stream = undefined
      // Reconnect after a pause while anyone still listens.
      if (!controller.signal.aborted && listeners.size > 0) setTimeout(ensureStream, 2_000)
    })
  }

  async function readEvents(signal: AbortSignal): Promise<void> {
    const response = await doFetch(`${base}/api/events`, { headers: headers(), signal }).catch(
      () => undefined,
    )
    if (!response?.ok || !response.body) return
    const parser = createParser({
      onEvent: (message) => {
        const set = listeners.get(message.event ?? 'message')
        if (!set) return
        const payload: unknown = JSON.parse(message.data)
        for (const listener of set) listener(payload)
      },
    })
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const { done, value } = await reader
        .read()
        .catch(() => ({ done: true as const, value: undefined }))
      if (done || value === undefined) return
      parser.feed(value)
    }
  }

  return {
    kind: 'http',
    request,
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      ensureStream()
      return () => {
        set.delete(listener)
        if (set.size === 0) listeners.delete(event)
        if (listeners.size === 0) stream?.abort()
      }
    },
  }
}
