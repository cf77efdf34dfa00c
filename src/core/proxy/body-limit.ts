import type { Readable } from 'node:stream'
import { ProxyError } from '../../shared/proxy-errors'
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
  const text = typeof length === 'object' ? length.join(',') : String(length)
  if (!/^\d{1,16}$/.test(text.trim())) {
    throw new ProxyError('invalid_request', 'Content-Length is not a single decimal number')
  }
  const declared = Number(text.trim())
  if (declared > limit) throw tooLarge(limit)
  return declared
}

/**
 * Reads a whole request body, failing with `request_too_large` as soon as it passes `limit`
 * (a chunked body has no Content-Length to check up front). On that failure the stream is
 * paused, not destroyed: destroying an `IncomingMessage` closes its socket, and the client would
 * never see the 413. The caller answers and closes the connection.
 */
export function readBodyWithLimit(source: Readable, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const cleanup = () => {
      source.off('data', onData)
      source.off('end', onEnd)
      source.off('error', onError)
      source.off('close', onClose)
    }
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      length += bytes.length
      if (length > limit) {
        cleanup()
        source.pause()
        reject(tooLarge(limit))
        return
      }
      chunks.push(bytes)
    }
    const onEnd = () => {
      cleanup()
      // Copied even when it is one chunk: a chunk is a view of the socket's 64 KiB read buffer,
      // and a request that waits in the upstream queue would hold all of it (seen in a heap
      // snapshot of the soak: one 64 KiB store per queued request).
      resolve(chunks.length === 1 ? Buffer.from(chunks[0]!) : Buffer.concat(chunks, length))
    }
    const onError = () => {
      cleanup()
      reject(new ProxyError('invalid_request', 'The request body could not be read'))
    }
    const onClose = () => {
      cleanup()
      reject(new ProxyError('invalid_request', 'The client closed the request before its end'))
    }
    if (source.readableEnded || source.destroyed) {
      reject(new ProxyError('invalid_request', 'The request body was already consumed'))
      return
    }
    source.on('data', onData)
    source.on('end', onEnd)
    source.on('error', onError)
    source.on('close', onClose)
    source.resume()
  })
}

function tooLarge(limit: number): ProxyError {
  return new ProxyError('request_too_large', `Request body is larger than ${limit} bytes`)
}
