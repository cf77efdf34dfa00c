import type { Readable } from 'node:stream'
import { ProxyError } from '../../shared/proxy-errors'
import { decimalDigitsValue } from '../decimal-digits'
import { bodyKindOf } from './content-type'

/** The two limits of settings.proxy (SPEC §4: 32 MiB JSON, 100 MiB multipart by default). */
export interface BodyLimits {
  maxJsonBodyBytes: number
  maxMultipartBodyBytes: number
}

type HeaderValue = string | readonly string[] | number | undefined

/** The request headers that frame a body, as Node's `IncomingHttpHeaders` has them. */
export interface FramingHeaders {
  'content-type'?: HeaderValue
  'content-length'?: HeaderValue
  'transfer-encoding'?: HeaderValue
}

/**
 * The byte limit for a body of this Content-Type. Forms and binary uploads (audio, images,
 * upload parts) get the multipart limit; JSON, and a body without a type (read as JSON), the
 * JSON one.
 */
export function bodyLimitFor(contentType: string | undefined, limits: BodyLimits): number {
  const kind = bodyKindOf(contentType)
  return kind === 'json' || kind === 'none' ? limits.maxJsonBodyBytes : limits.maxMultipartBodyBytes
}

/**
 * Refuses a request by its headers alone, before any byte of the body is read or any upstream is
 * called (SECURITY.md P2, I2): a declared length over `limit`, a malformed or repeated
 * Content-Length, or both Content-Length and Transfer-Encoding (a smuggling attempt).
 * Returns the declared length, or null when the body is chunked or absent.
 */
export function checkDeclaredLength(headers: FramingHeaders, limit: number): number | null {
  const length = headers['content-length']
  const encoding = headers['transfer-encoding']
  if (length !== undefined && encoding !== undefined) {
    throw new ProxyError('invalid_request', 'Content-Length and Transfer-Encoding together')
  }
  if (length === undefined) return null
  const text = (typeof length === 'object' ? length.join(',') : String(length)).trim()
  const declared = text.length <= 16 ? decimalDigitsValue(text) : null
  if (declared === null) {
    throw new ProxyError('invalid_request', 'Content-Length is not a single decimal number')
  }
  if (declared > limit) throw tooLarge(limit)
  return declared
}

/** Told once how reading a request body ended. */
export interface BodyListener {
  bodyRead(body: Buffer): void
  /** `request_too_large`, or `invalid_request` for a body cut short or already consumed. */
  bodyFailed(error: ProxyError): void
}

/**
 * Reads a whole request body, failing with `request_too_large` as soon as it passes `limit`
 * (a chunked body has no Content-Length to check up front). On that failure the stream is
 * paused, not destroyed: destroying an `IncomingMessage` closes its socket, and the client would
 * never see the 413. The caller answers and closes the connection.
 *
 * Callbacks, not a promise: this runs for every proxied request. The listeners stay attached
 * once the outcome is known (removing four costs more than letting them see a late event and
 * ignore it); the stream is done with by then.
 */
export function readBody(source: Readable, limit: number, listener: BodyListener): void {
  if (source.readableEnded || source.destroyed) {
    listener.bodyFailed(new ProxyError('invalid_request', 'The request body was already consumed'))
    return
  }
  let chunks: Buffer[] | null = []
  let length = 0
  // Takes the message, not an error: 'close' comes after every body, and an error made only to
  // be ignored would cost a stack trace (measured: 6 µs per request).
  const fail = (code: 'invalid_request' | 'request_too_large', message: string): void => {
    if (chunks === null) return
    chunks = null
    listener.bodyFailed(new ProxyError(code, message))
  }
  const onData = (chunk: Buffer | string): void => {
    if (chunks === null) return
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    length += bytes.length
    if (length > limit) {
      // Nothing of the rest is read: the caller answers 413 and closes the connection.
      source.off('data', onData)
      source.pause()
      fail('request_too_large', tooLargeMessage(limit))
      return
    }
    chunks.push(bytes)
  }
  source.on('data', onData)
  source.on('end', () => {
    if (chunks === null) return
    const read = chunks
    chunks = null
    // Copied even when it is one chunk: a chunk is a view of the socket's 64 KiB read buffer,
    // and a request that waits in the upstream queue would hold all of it (seen in a heap
    // snapshot of the soak: one 64 KiB store per queued request).
    listener.bodyRead(read.length === 1 ? Buffer.from(read[0]!) : Buffer.concat(read, length))
  })
  source.on('error', () => fail('invalid_request', 'The request body could not be read'))
  source.on('close', () => fail('invalid_request', 'The client closed the request before its end'))
  source.resume()
}

function tooLarge(limit: number): ProxyError {
  return new ProxyError('request_too_large', tooLargeMessage(limit))
}

function tooLargeMessage(limit: number): string {
  return `Request body is larger than ${limit} bytes`
}
