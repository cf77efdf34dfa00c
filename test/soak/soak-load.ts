import { Agent, request } from 'undici'
import { mockText } from '../support/mock-upstream'
import type { SoakOptions } from './soak-options'
import type { Attempt, SoakScript } from './soak-script'
import { explainOutcome, type ClientResult } from './soak-verdict'

/**
 * The soak's clients (SECURITY R1): `streams` workers, each sending one streamed chat completion
 * after another until the deadline, reading every event, aborting some on purpose, and booking
 * each outcome with the script's explanation.
 */

/**
 * How a sub-key's clients abort. `mid-stream`: only after some content arrived, so the count of
 * 200 answers is exactly the count of spent requests. `anywhere`: on a timer that may fire before
 * the headers, where the client cannot know whether the proxy had started to answer.
 */
export type AbortStyle = 'mid-stream' | 'anywhere'

export interface SoakSubKey {
  id: number
  name: string
  secret: string
  aborts: AbortStyle
  /** True when `maxRequests` is set. */
  limited: boolean
}

/** What the clients of one sub-key saw. */
export interface SubKeyTally {
  sent: number
  /** Responses whose 200 headers arrived. */
  headers200: number
  abortedBeforeHeaders: number
  abortedMidStream: number
}

/**
 * A key disabled by the admin API from `from` (its 200 arrived) until `to` (its enable was sent):
 * a request that started after `from` and ended before `to` chose its keys while the key was
 * disabled, so none of its attempts may use it. (One that ended later may have chosen after the
 * enable committed.)
 */
export interface ForbiddenWindow {
  secret: string
  role: string
  from: number
  to: number
}

/** Share of requests the generator aborts on purpose. */
const ABORT_SHARE = 0.05
/** Any single stream is short; a quiet minute means the proxy stalled it. */
const BODY_IDLE_TIMEOUT_MS = 60_000
/** Requests may queue behind the upstream connection cap; minutes means a stall. */
const HEADERS_TIMEOUT_MS = 180_000
/** Unexplained outcomes kept as examples for the report. */
const EXAMPLES = 20

export class SoakLoad {
  readonly agent = new Agent({ connections: null, keepAliveTimeout: 2_000 })
  readonly tallies = new Map<number, SubKeyTally>()
  /** Client outcomes by cause, explained or not. */
  readonly causes = new Map<string, { count: number; explained: boolean }>()
  readonly examples: string[] = []
  readonly forbidden: ForbiddenWindow[] = []
  /** Attempts with a key disabled by the admin API, from requests started after the 200. */
  forbiddenUses = 0
  requests = 0
  /** ms from sending to the 200 headers: shows queueing in front of the upstream. */
  readonly timesToHeaders: number[] = []
  inFlight = 0
  peakInFlight = 0
  private nextId = 0

  constructor(
    private readonly url: string,
    private readonly options: SoakOptions,
    private readonly script: SoakScript,
    private readonly random: () => number,
    private readonly subKeys: readonly SoakSubKey[],
    /** Where a worker goes once its sub-key has run out. */
    private readonly fallback: SoakSubKey,
  ) {
    for (const subKey of subKeys) {
      this.tallies.set(subKey.id, {
        sent: 0,
        headers200: 0,
        abortedBeforeHeaders: 0,
        abortedMidStream: 0,
      })
    }
  }

  /** Runs the workers until `deadline`; resolves when the last stream has ended. */
  async run(deadline: number): Promise<void> {
    const workers = Array.from({ length: this.options.streams }, async (_, index) => {
      let subKey = this.subKeys[index % this.subKeys.length]!
      // Spread the start over a second, as real clients do.
      await new Promise((resolve) => setTimeout(resolve, this.random() * 1_000))
      while (Date.now() < deadline) {
        const result = await this.stream(subKey)
        if (result.status === 429 && result.errorCode === 'sub_key_exhausted') {
          subKey = this.fallback
        }
      }
    })
    await Promise.all(workers)
  }

  get unexplained(): number {
    let total = 0
    for (const { count, explained } of this.causes.values()) if (!explained) total += count
    return total
  }

  private async stream(subKey: SoakSubKey): Promise<ClientResult> {
    const id = ++this.nextId
    const started = Date.now()
    const tally = this.tallies.get(subKey.id)!
    tally.sent++
    this.requests++
    this.inFlight++
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight)
    const [low, high] = this.options.chunks
    const pieces = low + Math.floor(this.random() * (high - low + 1))
    const aborting = this.random() < ABORT_SHARE
    const controller = new AbortController()
    const result: ClientResult = {
      status: null,
      errorCode: null,
      abortedByClient: null,
      sawDone: false,
      sawErrorEvent: false,
      contentOk: false,
      networkError: null,
    }
    let headersSeen = false
    const abort = (): void => {
      result.abortedByClient = headersSeen ? 'mid-stream' : 'before-headers'
      controller.abort()
    }
    // `anywhere`: a timer up to a bit past the longest first byte, so some fire while waiting.
    const timer =
      aborting && subKey.aborts === 'anywhere'
        ? setTimeout(abort, this.random() * (this.options.maxFirstByteMs + 500))
        : undefined
    const abortAfterPieces =
      aborting && subKey.aborts === 'mid-stream' ? 1 + Math.floor(this.random() * pieces) : null
    try {
      const response = await request(`${this.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          authorization: `Bearer ${subKey.secret}`,
          'content-type': 'application/json',
          'x-soak-id': String(id),
        },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `soak ${id}` }],
          stream: true,
          max_tokens: pieces,
        }),
        signal: controller.signal,
        headersTimeout: HEADERS_TIMEOUT_MS,
        bodyTimeout: BODY_IDLE_TIMEOUT_MS,
      })
      headersSeen = true
      result.status = response.statusCode
      if (response.statusCode !== 200) {
        const body = (await response.body.json().catch(() => null)) as {
          error?: { code?: string }
        } | null
        result.errorCode = body?.error?.code ?? null
      } else {
        tally.headers200++
        this.timesToHeaders.push(Date.now() - started)
        await this.read(response.body, result, pieces, abortAfterPieces, abort)
      }
    } catch (error) {
      if (result.abortedByClient === null) {
        result.networkError = (error as { code?: string }).code ?? (error as Error).name
      }
    } finally {
      clearTimeout(timer)
      this.inFlight--
    }
    if (result.abortedByClient === 'before-headers') tally.abortedBeforeHeaders++
    if (result.abortedByClient === 'mid-stream') tally.abortedMidStream++
    this.book(id, started, result)
    return result
  }

  /** Reads SSE events: content, `[DONE]`, or the proxy's error event. */
  private async read(
    body: AsyncIterable<Buffer>,
    result: ClientResult,
    pieces: number,
    abortAfterPieces: number | null,
    abort: () => void,
  ): Promise<void> {
    const decoder = new TextDecoder()
    let buffer = ''
    let content = ''
    let received = 0
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true })
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (data === '') continue
        if (data === '[DONE]') {
          result.sawDone = true
          continue
        }
        const json = JSON.parse(data) as {
          error?: unknown
          choices?: { delta?: { content?: string } }[]
        }
        if (json.error) {
          result.sawErrorEvent = true
          continue
        }
        const piece = json.choices?.[0]?.delta?.content
        if (piece) {
          content += piece
          received++
          if (abortAfterPieces !== null && received >= abortAfterPieces) abort()
        }
      }
    }
    result.contentOk = content === mockText(pieces)
  }

  private book(id: number, started: number, result: ClientResult): void {
    const attempts = this.script.take(id, result.abortedByClient === 'before-headers')
    const ended = Date.now()
    this.checkForbidden(id, started, ended, attempts)
    const resting =
      attempts.length === 0 &&
      result.errorCode === 'no_available_key' &&
      this.script.allResting(started, ended)
    const verdict = explainOutcome(result, attempts, resting)
    const entry = this.causes.get(verdict.cause)
    if (entry) entry.count++
    else this.causes.set(verdict.cause, { count: 1, explained: verdict.explained })
    if (!verdict.explained && this.examples.length < EXAMPLES) {
      this.examples.push(`request ${id}: ${verdict.cause}`)
    }
  }

  private checkForbidden(
    id: number,
    started: number,
    ended: number,
    attempts: readonly Attempt[],
  ): void {
    for (const attempt of attempts) {
      for (const window of this.forbidden) {
        if (attempt.key === window.secret && started >= window.from && ended < window.to) {
          this.forbiddenUses++
          if (this.examples.length < EXAMPLES) {
            this.examples.push(
              `request ${id}: sent with the ${window.role} key ${started - window.from} ms ` +
                'after its disable was answered',
            )
          }
        }
      }
    }
  }
}
