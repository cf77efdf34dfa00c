import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../../../src/shared/proxy-errors'
import {
  maxModelNameLength,
  readRequestModel,
  requiresModel,
} from '../../../../src/core/proxy/request-model'

const json = (value: unknown) => Buffer.from(JSON.stringify(value))
const post = (path: string, body: Buffer | string, contentType?: string) =>
  readRequestModel({
    method: 'POST',
    path,
    contentType,
    body: typeof body === 'string' ? Buffer.from(body) : body,
  })

function form(boundary: string, fields: [string, string | Buffer, string?][]): Buffer {
  const parts: Buffer[] = []
  for (const [name, value, filename] of fields) {
    const disposition = `form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}`
    const type = filename ? '\r\nContent-Type: application/octet-stream' : ''
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`))
    parts.push(Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(parts)
}

const multipart = (boundary: string) => `multipart/form-data; boundary=${boundary}`

function errorOf(run: () => unknown): ProxyError {
  try {
    run()
  } catch (error) {
    if (error instanceof ProxyError) return error
    throw error
  }
  throw new Error('expected a ProxyError')
}

describe('readRequestModel from JSON', () => {
  it('returns the model and the top level the stream edit needs', () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hé' }] }
    const result = post('/v1/chat/completions', json(body), 'application/json; charset=utf-8')
    expect(result.model).toBe('gpt-4o-mini')
    expect(result.topLevel).toEqual({
      model: 'gpt-4o-mini',
      stream: false,
      streamOptions: { open: 0, spans: [] },
    })
  })

  it('reads long bodies (parsed, not scanned) the same way, errors included', () => {
    const messages = Array.from({ length: 20 }, () => ({ role: 'user', content: 'x'.repeat(100) }))
    const body = json({ model: 'gpt-4o', messages, model_note: 1, stream: true })
    expect(body.length).toBeGreaterThan(512)
    const result = post('/v1/chat/completions', body, 'application/json')
    expect(result.model).toBe('gpt-4o')
    expect(result.topLevel).toEqual({ model: 'gpt-4o', stream: true, streamOptions: null })
    const broken = Buffer.concat([body.subarray(0, -1), Buffer.from(',}')])
    expect(errorOf(() => post('/v1/chat/completions', broken, 'application/json')).code).toBe(
      'invalid_request',
    )
  })

  it('reads a model on any route that carries one, so no route skips the policy', () => {
    const result = post('/v1/threads/t_1/runs', json({ model: 'gpt-4' }), 'application/json')
    expect(result.model).toBe('gpt-4')
  })

  it('accepts a JSON body sent without a Content-Type (curl -d)', () => {
    expect(post('/v1/embeddings', json({ model: 'text-embedding-3-small' })).model).toBe(
      'text-embedding-3-small',
    )
  })

  it.each([
    ['bad JSON', '{"model": "gpt-4o",', 'application/json', 'invalid_request'],
    ['an array', '[1]', 'application/json', 'invalid_request'],
    ['no model', '{"messages":[]}', 'application/json', 'invalid_request'],
    ['an empty model', '{"model":""}', 'application/json', 'invalid_request'],
    ['a numeric model', '{"model":4}', 'application/json', 'invalid_request'],
    ['an empty body', '', 'application/json', 'invalid_request'],
    ['text/plain', '{"model":"gpt-4o"}', 'text/plain', 'unsupported_media_type'],
  ])('refuses %s on a route that needs a model', (_name, body, type, code) => {
    const error = errorOf(() => post('/v1/chat/completions', body, type))
    expect(error.code).toBe(code)
    expect(error.status).toBe(code === 'invalid_request' ? 400 : 415)
  })

  it('refuses bad JSON on every route, but not an untyped binary body', () => {
    expect(errorOf(() => post('/v1/files', '{', 'application/json')).code).toBe('invalid_request')
    expect(post('/v1/uploads/u_1/parts', Buffer.from([0, 1, 2])).model).toBeNull()
  })

  it('refuses a model name longer than the limit', () => {
    const long = 'a'.repeat(maxModelNameLength + 1)
    expect(
      errorOf(() => post('/v1/embeddings', json({ model: long }), 'application/json')).param,
    ).toBe('model')
  })
})

describe('readRequestModel on routes without a body model', () => {
  it.each(['/v1/models', '/v1/files', '/v1/batches?limit=2', '/v1/responses/resp_1'])(
    'GET %s names no model',
    (path) => {
      expect(
        readRequestModel({ method: 'GET', path, contentType: undefined, body: Buffer.alloc(0) }),
      ).toEqual({
        model: null,
        json: undefined,
      })
    },
  )

  it('reads the model of GET /v1/models/{id}, including ids with a slash', () => {
    const read = (path: string) =>
      readRequestModel({ method: 'GET', path, contentType: undefined, body: Buffer.alloc(0) }).model
    expect(read('/v1/models/gpt-4o')).toBe('gpt-4o')
    expect(read('/v1/models/openai/gpt-4o%3Afree?x=1')).toBe('openai/gpt-4o:free')
  })

  it('knows which routes need a model, ignoring case, query and trailing slash', () => {
    expect(requiresModel('post', '/v1/Chat/Completions/?x=1')).toBe(true)
    expect(requiresModel('POST', '/v1/audio/speech')).toBe(true)
    expect(requiresModel('GET', '/v1/chat/completions')).toBe(false)
    expect(requiresModel('POST', '/v1/moderations')).toBe(false)
    expect(requiresModel('POST', '/v1/files')).toBe(false)
  })
})

describe('readRequestModel from multipart', () => {
  const boundary = '----formdata-undici-0123456789'
  const audio = Buffer.alloc(256 * 1024, 0xab)

  it('finds the model field after a file part', () => {
    const body = form(boundary, [
      ['file', audio, 'speech.mp3'],
      ['model', 'whisper-1'],
      ['language', 'fr'],
    ])
    const result = post('/v1/audio/transcriptions', body, multipart(boundary))
    expect(result).toEqual({ model: 'whisper-1', json: undefined })
  })

  it('accepts a quoted boundary and a UTF-8 model name', () => {
    const body = form('a b', [['model', 'modèle-1']])
    expect(post('/v1/images/edits', body, 'multipart/form-data; boundary="a b"').model).toBe(
      'modèle-1',
    )
  })

  it('names no model when the form has none, where none is needed', () => {
    const body = form(boundary, [
      ['purpose', 'batch'],
      ['file', audio, 'in.jsonl'],
    ])
    expect(post('/v1/files', body, multipart(boundary)).model).toBeNull()
    expect(errorOf(() => post('/v1/audio/transcriptions', body, multipart(boundary))).code).toBe(
      'invalid_request',
    )
  })

  it.each([
    ['no boundary parameter', (b: Buffer) => b, 'multipart/form-data'],
    ['a truncated body', (b: Buffer) => b.subarray(0, b.length - 40), undefined],
    [
      'a missing closing delimiter',
      (b: Buffer) => b.subarray(0, b.indexOf(`--${boundary}--`)),
      undefined,
    ],
    ['garbage', () => Buffer.from('not a form at all'), undefined],
    [
      'a part without headers end',
      () => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data`),
      undefined,
    ],
    [
      'a part without a name',
      () => Buffer.from(`--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--`),
      undefined,
    ],
  ])('refuses %s as broken multipart', (_name, mangle, type) => {
    const body = mangle(
      form(boundary, [
        ['model', 'whisper-1'],
        ['file', audio, 'a.mp3'],
      ]),
    )
    const error = errorOf(() => post('/v1/audio/transcriptions', body, type ?? multipart(boundary)))
    expect(error.code).toBe('invalid_request')
    expect(error.status).toBe(400)
  })

  it('refuses a repeated model field, which upstreams would resolve differently', () => {
    const body = form(boundary, [
      ['model', 'gpt-4o-mini-transcribe'],
      ['model', 'gpt-4o-transcribe'],
    ])
    expect(
      errorOf(() => post('/v1/audio/transcriptions', body, multipart(boundary))).message,
    ).toMatch(/repeated/i)
  })

  it('refuses an oversized model field without decoding it', () => {
    const body = form(boundary, [['model', 'x'.repeat(10_000)]])
    expect(errorOf(() => post('/v1/audio/transcriptions', body, multipart(boundary))).param).toBe(
      'model',
    )
  })

  it('tolerates a preamble and transport padding, not a part without a name', () => {
    const body = Buffer.from(
      `preamble\r\n--${boundary}  \r\n\r\nanonymous\r\n--${boundary}\r\ncontent-disposition: form-data; name=model\r\n\r\ntts-1\r\n--${boundary}--`,
    )
    expect(() => post('/v1/audio/speech', body, multipart(boundary))).toThrow(ProxyError)
    const good = Buffer.from(
      `preamble\r\n--${boundary}  \r\ncontent-disposition: form-data; name=model\r\n\r\ntts-1\r\n--${boundary}--`,
    )
    expect(post('/v1/audio/speech', good, multipart(boundary)).model).toBe('tts-1')
  })
})
