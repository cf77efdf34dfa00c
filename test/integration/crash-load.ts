import { createParser } from 'eventsource-parser'
import type { MockUpstream } from '../support/mock-upstream'
import { trackSubKey, transitionName, type CrashLedger, type SubKeyLedger } from './crash-ledger'

/**
 * The writers of one crash round (SECURITY D3): proxied clients spending sub-key quota, an admin
 * actor making acknowledged changes one at a time, and a listener for `key.stateChanged`. Each
 * books into the ledger only what the server acknowledged; all of them end when the server dies.
 */

export interface RoundTarget {
  url: string
  adminToken: string
  providerId: number
  mock: MockUpstream
  random: () => number
}

/** Set when the round's server is killed: loops stop starting new work. */
export interface RoundStop {
  stopped: boolean
}

/** Every request gives up eventually, so a round cannot hang on a half-open socket. */
const REQUEST_TIMEOUT_MS = 10_000

const pick = <T>(items: readonly T[], random: () => number): T | undefined =>
  items[Math.floor(random() * items.length)]

const between = (random: () => number, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1))

/** Loops proxied chat completions over the known sub-keys until stopped. */
export async function proxiedClient(
  target: RoundTarget,
  ledger: CrashLedger,
  stop: RoundStop,
): Promise<void> {
  while (!stop.stopped) {
    const entry = pick([...ledger.subKeys.values()], target.random)
    if (!entry) return
    const stream = target.random() < 0.5
    let response: Response
    try {
      response = await fetch(`${target.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${entry.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'crash test' }],
          stream,
        }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
    } catch {
      entry.unanswered++
      continue
    }
    await bookAnswer(entry, response)
  }
}

async function bookAnswer(entry: SubKeyLedger, response: Response): Promise<void> {
  // Headers received: the reservation was committed before the request went upstream.
  if (response.status === 200) {
    entry.delivered++
    await response.arrayBuffer().catch(() => undefined)
    return
  }
  const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null
  // Refused at admission: no reservation was taken.
  if (response.status === 429 && body?.error?.code === 'sub_key_exhausted') return
  entry.errorAnswers++
}

/**
 * One acknowledged change at a time, chosen at random: a toggle key disabled or enabled, a
 * sub-key created or topped up, two keys added that the mock answers with 401.
 */
export async function adminActor(
  target: RoundTarget,
  ledger: CrashLedger,
  stop: RoundStop,
  nextSerial: () => number,
): Promise<void> {
  const api = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${target.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
  // Weighted: state flips and top-ups are the changes most likely to be in flight at the kill.
  const ops = [toggleKey, toggleKey, topUpSubKey, topUpSubKey, createSubKey, addRevokedKeys]
  while (!stop.stopped) {
    const op = pick(ops, target.random)!
    try {
      await op(api, target, ledger, nextSerial)
    } catch (error) {
      // A reset by the kill leaves the change pending (unknown); anything else is a failure.
      if (!stop.stopped) throw error
    }
  }
}

type Api = (method: string, path: string, body?: unknown) => Promise<Response>

async function expectOk(response: Response): Promise<unknown> {
  const body: unknown = await response.json()
  if (response.status !== 200) {
    throw new Error(`admin API answered ${response.status}: ${JSON.stringify(body)}`)
  }
  return body
}

async function toggleKey(api: Api, target: RoundTarget, ledger: CrashLedger): Promise<void> {
  const key = pick([...ledger.toggleKeys.values()], target.random)
  if (!key) return
  const to = key.acked === 'active' ? 'disabled' : 'active'
  key.pending = to
  const body = (await expectOk(await api('PUT', `/api/keys/${key.id}/status`, { status: to }))) as {
    state: string
  }
  if (body.state !== to) throw new Error(`key ${key.id}: PUT ${to} answered ${body.state}`)
  key.acked = to
  key.pending = null
}

/** Sub-keys the actor creates at most; past it, a create becomes a top-up. */
const MAX_SUB_KEYS = 30

async function createSubKey(api: Api, target: RoundTarget, ledger: CrashLedger): Promise<void> {
  if (ledger.subKeys.size >= MAX_SUB_KEYS) return topUpSubKey(api, target, ledger)
  const maxRequests = between(target.random, 50, 300)
  const body = (await expectOk(
    await api('POST', '/api/sub-keys', { name: 'crash', maxRequests }),
  )) as { subKey: { id: number }; secret: string }
  trackSubKey(ledger, body, maxRequests)
}

async function topUpSubKey(api: Api, target: RoundTarget, ledger: CrashLedger): Promise<void> {
  const entry = pick([...ledger.subKeys.values()], target.random)
  if (!entry) return
  const requests = between(target.random, 50, 200)
  entry.pendingTopUp = requests
  const body = (await expectOk(
    await api('POST', `/api/sub-keys/${entry.id}/top-up`, { requests }),
  )) as { maxRequests: number }
  if (body.maxRequests !== entry.ackedMax + requests) {
    throw new Error(`sub-key ${entry.id}: top-up answered maxRequests ${body.maxRequests}`)
  }
  entry.ackedMax = body.maxRequests
  entry.pendingTopUp = 0
}

async function addRevokedKeys(
  api: Api,
  target: RoundTarget,
  ledger: CrashLedger,
  nextSerial: () => number,
): Promise<void> {
  const secrets = [revokedSecret(nextSerial()), revokedSecret(nextSerial())]
  for (const secret of secrets) target.mock.script(secret, 'unauthorized')
  const body = (await expectOk(
    await api('POST', '/api/keys/bulk', {
      keys: secrets.join('\n'),
      providerId: target.providerId,
    }),
  )) as { added: number }
  if (body.added !== secrets.length) throw new Error(`bulk add answered ${JSON.stringify(body)}`)
  for (const secret of secrets) ledger.addedKeys.add(secret.slice(-4))
}

/** A distinct upstream key whose last 4 characters are its serial number. */
export function revokedSecret(serial: number): string {
  return `sk-crash-revoked-${'x'.repeat(24)}${String(serial).padStart(4, '0')}`
}

/**
 * Reads `/api/events` until the connection ends, booking each `key.stateChanged` (sent after its
 * transaction committed). Resolves once connected, with `ended` for the end of the stream (in an
 * object: an async function returning a bare promise would wait for it).
 */
export async function listenForTransitions(
  target: RoundTarget,
  ledger: CrashLedger,
): Promise<{ ended: Promise<void> }> {
  const response = await fetch(`${target.url}/api/events`, {
    headers: { authorization: `Bearer ${target.adminToken}` },
  })
  if (response.status !== 200 || !response.body) {
    throw new Error(`/api/events answered ${response.status}`)
  }
  const parser = createParser({
    onEvent(event) {
      if (event.event !== 'key.stateChanged') return
      const change = JSON.parse(event.data) as { id: number; from: string; to: string }
      const name = transitionName(change.id, change.from, change.to)
      ledger.announced.set(name, (ledger.announced.get(name) ?? 0) + 1)
      if (change.to === 'invalid') ledger.invalidKeys.add(change.id)
    },
  })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        parser.feed(value)
      }
    } catch {
      // The server was killed: what arrived before is booked.
    }
  })()
  return { ended }
}
