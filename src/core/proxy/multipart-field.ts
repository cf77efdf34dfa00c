import { ProxyError } from '../../shared/proxy-errors'

const CR = 13
const LF = 10
const DASH = 45
const SPACE = 32
const TAB = 9
const crlfcrlf = Buffer.from('\r\n\r\n')
const maxPartHeaderBytes = 16 * 1024
const dispositionName = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i

/**
 * The text of the form field `name` in a multipart/form-data body (RFC 7578), or null when the
 * form has no such field. The whole body is checked, up to its closing delimiter, so that a
 * truncated or malformed upload is refused here (SECURITY.md I2) rather than by the upstream
 * after a key was spent on it. File contents are skipped with `Buffer.indexOf`, never copied.
 *
 * @throws ProxyError `invalid_request` for a malformed body, a repeated field (upstreams disagree
 *   on which copy wins, which would let a client pass the policy with one model and use another),
 *   or a value longer than `maxValueBytes`.
 */
export function readMultipartField(
  body: Buffer,
  boundary: string,
  name: string,
  maxValueBytes: number,
): string | null {
  const delimiter = Buffer.from(`--${boundary}`)
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`)
  let pos = body.indexOf(delimiter)
  if (pos === -1 || (pos > 0 && (pos < 2 || body[pos - 2] !== CR || body[pos - 1] !== LF))) {
    throw broken('the opening boundary is missing')
  }
  let value: string | null = null
  for (;;) {
    pos += delimiter.length
    if (body[pos] === DASH && body[pos + 1] === DASH) return value
    while (body[pos] === SPACE || body[pos] === TAB) pos += 1
    if (body[pos] !== CR || body[pos + 1] !== LF) throw broken('a boundary line is malformed')
    pos += 2
    let headers = ''
    let contentStart = pos + 2
    if (body[pos] !== CR || body[pos + 1] !== LF) {
      const headerEnd = body.indexOf(crlfcrlf, pos)
      if (headerEnd === -1 || headerEnd - pos > maxPartHeaderBytes) {
        throw broken('a part has no end of headers')
      }
      headers = body.toString('utf8', pos, headerEnd)
      contentStart = headerEnd + 4
    }
    const contentEnd = body.indexOf(nextDelimiter, contentStart)
    if (contentEnd === -1) throw broken('the body ends before its closing boundary')
    const fieldName = partName(headers)
    if (fieldName === null) throw broken('a part has no Content-Disposition name')
    if (fieldName === name) {
      if (value !== null) throw new ProxyError('invalid_request', `Repeated form field '${name}'`)
      if (contentEnd - contentStart > maxValueBytes) {
        throw new ProxyError('invalid_request', `Form field '${name}' is too long`, name)
      }
      value = body.toString('utf8', contentStart, contentEnd)
    }
    pos = contentEnd + 2
  }
}

function partName(headers: string): string | null {
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') {
      continue
    }
    const match = dispositionName.exec(line.slice(colon + 1))
    if (!match) return null
    return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? null)
  }
  return null
}

function broken(reason: string): ProxyError {
  return new ProxyError('invalid_request', `Malformed multipart/form-data body: ${reason}`)
}
