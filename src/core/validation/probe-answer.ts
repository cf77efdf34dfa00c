import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import { AbortableDispatch } from '../proxy/abortable-dispatch'

/** An upstream answer read whole: `text` is undefined when the body was over its limit. */
export interface ProbeAnswerRead {
  statusCode: number
  headers: IncomingHttpHeaders
  text: string | undefined
}

/**
 * One validation request's answer, read whole on undici's dispatch API as the proxy reads its
 * answers: no body stream, no async iterator, one promise. At 50 checks in flight the CPU of
 * each check delays the answers that arrive with it (issue 8).
 *
 * A body over `limitFor(status)` is not read on: the answer settles with `text: undefined` and
 * its connection is aborted, as is every answer stopped by `abort()` (a cancelled run, a check
 * past its deadline; `done` then rejects with the reason), so no unread body ever holds a
 * connection (SECURITY P8).
 */
export class ProbeAnswer extends AbortableDispatch implements Dispatcher.DispatchHandler {
  readonly done: Promise<ProbeAnswerRead>
  private resolve!: (read: ProbeAnswerRead) => void
  private reject!: (error: Error) => void
  private statusCode = 0
  private headers: IncomingHttpHeaders = {}
  private limit = 0
  private chunks: Buffer[] = []
  private size = 0

  constructor(private readonly limitFor: (statusCode: number) => number) {
    super()
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** Sends the request; `done` settles with its answer or its failure. */
  static send(
    dispatcher: Dispatcher,
    options: Dispatcher.DispatchOptions,
    limitFor: (statusCode: number) => number,
  ): ProbeAnswer {
    const answer = new ProbeAnswer(limitFor)
    try {
      dispatcher.dispatch(options, answer)
    } catch (error) {
      answer.fail(error instanceof Error ? error : new Error(String(error)))
    }
    return answer
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return
    this.statusCode = statusCode
    this.headers = headers
    this.limit = this.limitFor(statusCode)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return
    this.size += chunk.length
    if (this.size > this.limit) {
      this.settle({ statusCode: this.statusCode, headers: this.headers, text: undefined })
      controller.abort(new Error('answer over its size limit'))
      return
    }
    this.chunks.push(chunk)
  }

  onResponseEnd(): void {
    const text =
      this.chunks.length === 1
        ? (this.chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(this.chunks, this.size).toString('utf8')
    this.settle({ statusCode: this.statusCode, headers: this.headers, text })
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.fail(error)
  }

  private settle(read: ProbeAnswerRead): void {
    if (this.settled) return
    this.settled = true
    this.chunks = []
    this.resolve(read)
  }

  protected fail(error: Error): void {
    if (this.settled) return
    this.settled = true
    this.chunks = []
    this.reject(error)
  }
}
