/** How the proxy treats a request body: parsed as JSON, scanned as a form, or passed through. */
export type BodyKind = 'json' | 'multipart' | 'other' | 'none'

/**
 * The kind of body a `Content-Type` announces. `application/*+json` counts as JSON. A missing
 * header is `none`: curl's `-d` without `-H` and some scripts omit it, and callers then try JSON.
 */
export function bodyKindOf(contentType: string | undefined): BodyKind {
  if (contentType === undefined) return 'none'
  const type = mediaType(contentType)
  if (type === '') return 'none'
  if (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))) {
    return 'json'
  }
  if (type === 'multipart/form-data') return 'multipart'
  return 'other'
}

/** The lower-case `type/subtype`, without parameters. */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}

/**
 * The `boundary` parameter of a multipart Content-Type, unquoted, or null when absent or not a
 * valid RFC 2046 boundary (1–70 characters).
 */
export function multipartBoundary(contentType: string): string | null {
  const params = contentType.split(';').slice(1)
  for (const param of params) {
    const equals = param.indexOf('=')
    if (equals === -1) continue
    if (param.slice(0, equals).trim().toLowerCase() !== 'boundary') continue
    let value = param.slice(equals + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1')
    }
    return value.length >= 1 && value.length <= 70 ? value : null
  }
  return null
}
