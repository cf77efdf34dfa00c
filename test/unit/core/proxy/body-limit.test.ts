import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../../../src/shared/proxy-errors'
import { bodyLimitFor, checkDeclaredLength, readBody } from '../../../../src/core/proxy/body-limit'

/** `readBody` as a promise, for the tests. */
function readBodyWithLimit(source: Readable, limit: number): Promise<Buffer> {
  return new Promise((bodyRead, bodyFailed) => readBody(source, limit, { bodyRead, bodyFailed }))
}

const limits = { maxJsonBodyBytes: 32 * 1024 * 1024, maxMultipartBodyBytes: 100 * 1024 * 1024 }

describe('bodyLimitFor', () => {
  it('gives JSON and untyped bodies the JSON limit, forms and binaries the multipart one', () => {
    expect(bodyLimitFor('application/json', limits)).toBe(limits.maxJsonBodyBytes)
    expect(bodyLimitFor(undefined, limits)).toBe(limits.maxJsonBodyBytes)
    expect(bodyLimitFor('multipart/form-data; boundary=x', limits)).toBe(
      limits.maxMultipartBodyBytes,
    )
    expect(bodyLimitFor('application/octet-stream', limits)).toBe(limits.maxMultipartBodyBytes)
  })
})

describe('checkDeclaredLength', () => {
  it('returns the declared length within the limit, null for none', () => {
    expect(checkDeclaredLength({ 'content-length': '1024' }, 2048)).toBe(1024)
    expect(checkDeclaredLength({ 'content-length': '2048' }, 2048)).toBe(2048)
    expect(checkDeclaredLength({}, 2048)).toBeNull()
    expect(checkDeclaredLength({ 'content-length': ' 12 ' }, 2048)).toBe(12)
    expect(checkDeclaredLength({ 'content-length': '0000000000000012' }, 2048)).toBe(12)
    expect(checkDeclaredLength({ 'transfer-encoding': 'chunked' }, 2048)).toBeNull()
  })

  it('refuses a declared length over the limit with 413 before reading anything', () => {
    expect(() => checkDeclaredLength({ 'content-length': '2049' }, 2048)).toThrow(
      expect.objectContaining({ code: 'request_too_large', status: 413 }),
    )
  })

  it.each([
    [{ 'content-length': '10', 'transfer-encoding': 'chunked' }],
    [{ 'content-length': '-1' }],
    [{ 'content-length': '1e3' }],
    [{ 'content-length': '10, 10' }],
    [{ 'content-length': ['10', '12'] }],
    [{ 'content-length': '' }],
    [{ 'content-length': '12345678901234567' }],
    [{ 'content-length': '+10' }],
    [{ 'content-length': '١٢' }],
  ])('refuses smuggling-shaped framing %j with 400', (headers) => {
    expect(() => checkDeclaredLength(headers, 2048)).toThrow(
      expect.objectContaining({ code: 'invalid_request', status: 400 }),
    )
  })
})

describe('readBody', () => {
  it('collects a body within the limit', async () => {
    const source = Readable.from([Buffer.from('{"model":'), Buffer.from('"gpt-4o"}')])
    expect((await readBodyWithLimit(source, 100)).toString()).toBe('{"model":"gpt-4o"}')
  })

  it('copies a single chunk out of the (much larger) read buffer it is a view of', async () => {
    const readBuffer = Buffer.alloc(64 * 1024)
    readBuffer.write('{"model":"gpt-4o"}', 100)
    const chunk = readBuffer.subarray(100, 118)
    const body = await readBodyWithLimit(Readable.from([chunk]), 1_000)
    expect(body.toString()).toBe('{"model":"gpt-4o"}')
    // Holding the body must not hold the 64 KiB store behind the chunk.
    expect(body.buffer).not.toBe(readBuffer.buffer)
  })

  it('fails with 413 as soon as the limit is passed, pausing instead of destroying', async () => {
    const source = new PassThrough()
    const reading = readBodyWithLimit(source, 10)
    source.write(Buffer.alloc(6))
    source.write(Buffer.alloc(6))
    await expect(reading).rejects.toMatchObject({ code: 'request_too_large' })
    expect(source.destroyed).toBe(false)
    expect(source.isPaused()).toBe(true)
    expect(source.listenerCount('data')).toBe(0)
  })

  it('fails with 400 when the client goes away before the end', async () => {
    const source = new PassThrough()
    const reading = readBodyWithLimit(source, 100)
    source.write('partial')
    source.destroy()
    const error = await reading.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProxyError)
    expect((error as ProxyError).code).toBe('invalid_request')
  })

  it('fails on a stream that was already consumed', async () => {
    const source = Readable.from([])
    source.resume()
    await new Promise((resolve) => source.on('end', resolve))
    await expect(readBodyWithLimit(source, 10)).rejects.toBeInstanceOf(ProxyError)
  })
})

describe('readBody on a real connection', () => {
  it('lets the server answer 413 to a chunked upload that passes the limit', async () => {
    const http = await import('node:http')
    const server = http.createServer((req, res) => {
      readBodyWithLimit(req, 1024).then(
        () => res.end('ok'),
        (error: ProxyError) => {
          res.writeHead(error.status, { connection: 'close', 'content-type': 'application/json' })
          res.end(JSON.stringify(error.toBody()))
        },
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/x' })
        req.on('response', (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (text: string) => (body += text))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', reject)
        for (let i = 0; i < 8; i += 1) req.write(Buffer.alloc(512))
        req.end()
      })
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.body).error.code).toBe('request_too_large')
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
