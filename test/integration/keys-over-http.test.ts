import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer } from '../support/headless'

let server: Awaited<ReturnType<typeof startTestServer>> | undefined

/** A server that never validates on its own: these tests must not reach an upstream. */
async function startOffline(): Promise<Awaited<ReturnType<typeof startTestServer>>> {
  const started = await startTestServer()
  started.core.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
  return started
}
afterEach(async () => {
  await server?.close(1_000)
  server = undefined
})

const key = (n: number): string => `sk-http-${String(n).padStart(30, '0')}`

interface Page {
  items: { id: number; label: string; masked: string; state: string }[]
  total: number
  page: number
  pageSize: number
}

describe('the seed key routes over HTTP', () => {
  it('bulk-adds, pages with page_size, filters, deletes and resets like the seed API', async () => {
    server = await startOffline()
    const { api } = server
    const text = `# keys\n${key(1)},one\n${key(2)}\n${key(3)}\n${key(1)}\nnope`
    expect(await api('POST', '/api/keys/bulk', { keys: text })).toMatchObject({
      status: 200,
      body: { added: 3, duplicates: 1, malformed: 1 },
    })

    const page = await api('GET', '/api/keys/paginated?page=1&page_size=2')
    expect(page.status).toBe(200)
    expect(page.headers.get('cache-control')).toBe('no-store')
    const body = page.body as Page
    expect(body).toMatchObject({ total: 3, page: 1, pageSize: 2 })
    expect(body.items.map((item) => item.id)).toEqual([3, 2])
    expect(Object.keys(body.items[0]!)).toEqual(
      expect.arrayContaining([
        'id',
        'providerId',
        'label',
        'masked',
        'state',
        'stateReason',
        'cooldownUntil',
        'weight',
        'requests',
        'failures',
        'lastUsedAt',
        'createdAt',
        'models',
      ]),
    )
    expect(body.items[0]!.masked).toBe(`sk-…${key(3).slice(-4)}`)

    expect(await api('PUT', '/api/keys/2/status', { status: 'disabled' })).toMatchObject({
      status: 200,
      body: { id: 2, state: 'disabled' },
    })
    const disabled = await api('GET', '/api/keys/paginated?status=disabled&q=&page_size=50')
    expect((disabled.body as Page).items.map((item) => item.id)).toEqual([2])
    const search = await api('GET', `/api/keys/paginated?q=one&sort=label&order=asc`)
    expect((search.body as Page).items.map((item) => item.label)).toEqual(['one'])

    expect(await api('DELETE', '/api/keys/3')).toMatchObject({ status: 200, body: { deleted: 1 } })
    expect(await api('DELETE', '/api/keys/3')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    })

    server.core.keys.transition(1, 'invalid', { reason: 'HTTP 401', httpStatus: 401 })
    expect(await api('POST', '/api/keys/reset_invalid')).toMatchObject({
      status: 200,
      body: { count: 1 },
    })
    const transitions = await api('GET', '/api/keys/1/transitions?limit=5')
    expect(transitions.body).toMatchObject([
      { from: 'invalid', to: 'active', reason: 'reset by the user' },
      { from: 'active', to: 'invalid', httpStatus: 401 },
    ])
  })

  it('edits, imports, exports and acts on selections', async () => {
    server = await startOffline()
    const { api } = server
    const csv = `key,label,weight\n${key(1)},alpha,3\n${key(2)},beta,\n`
    expect((await api('POST', '/api/keys/import', { format: 'csv', content: csv })).body).toEqual({
      added: 2,
      duplicates: 0,
      malformed: 0,
    })
    expect(
      (await api('POST', '/api/keys/import', { format: 'json', content: JSON.stringify([key(3)]) }))
        .body,
    ).toEqual({ added: 1, duplicates: 0, malformed: 0 })
    expect(await api('PATCH', '/api/keys/1', { label: 'renamed', weight: 9 })).toMatchObject({
      status: 200,
      body: { id: 1, label: 'renamed', weight: 9 },
    })
    expect((await api('PATCH', '/api/keys/1', { weight: 0 })).status).toBe(400)
    expect((await api('PATCH', '/api/keys/1', { secret: 'x' })).status).toBe(400)
    expect(
      await api('POST', '/api/keys/status', { ids: [1, 2], status: 'disabled' }),
    ).toMatchObject({ status: 200, body: { changed: 2 } })
    const exported = await api('GET', '/api/keys/export?format=csv&status=disabled')
    expect(exported.body).toMatchObject({ format: 'csv', count: 2 })
    expect(await api('POST', '/api/keys/delete', { ids: [1, 2] })).toMatchObject({
      status: 200,
      body: { deleted: 2 },
    })
    const rest = await api('GET', '/api/keys/paginated')
    expect(rest.body).toMatchObject({ total: 1, pageSize: 20 })
  })

  it('answers bad input with 400 and the error shape, echoing no secret', async () => {
    server = await startOffline()
    const { api } = server
    await api('POST', '/api/keys/bulk', { keys: key(1) })
    for (const [method, path, body] of [
      ['GET', '/api/keys/paginated?page_size=501', undefined],
      ['GET', '/api/keys/paginated?page=0', undefined],
      ['GET', '/api/keys/paginated?status=broken', undefined],
      ['GET', '/api/keys/paginated?sort=secret', undefined],
      ['GET', '/api/keys/paginated?extra=1', undefined],
      ['POST', '/api/keys/bulk', { keys: 5 }],
      ['POST', '/api/keys/bulk', { keys: key(1), label: key(1) }],
      ['PUT', '/api/keys/1/status', { status: 'invalid' }],
      ['PUT', '/api/keys/abc/status', { status: 'active' }],
      ['POST', '/api/keys/delete', { ids: [] }],
      ['POST', '/api/keys/import', { format: 'json', content: `{"key":"${key(1)}"}` }],
    ] as const) {
      const answer = await api(method, path, body)
      expect(answer.status, `${method} ${path}`).toBe(400)
      expect(answer.body).toMatchObject({ error: { code: 'invalid_input' } })
      expect(JSON.stringify(answer.body)).not.toContain(key(1))
    }
    expect((await api('POST', '/api/keys/bulk', { keys: key(2), providerId: 99 })).status).toBe(404)
  })

  it('accepts 100,000 keys (~6 MB) in one request', async () => {
    server = await startOffline()
    const text = Array.from({ length: 100_000 }, (_, i) => key(i)).join('\n')
    const answer = await server.api('POST', '/api/keys/bulk', { keys: text })
    expect(answer).toMatchObject({ status: 200, body: { added: 100_000, duplicates: 0 } })
    const page = await server.api('GET', '/api/keys/paginated?page=2000&page_size=50')
    expect(page.body).toMatchObject({ total: 100_000, page: 2000 })
    expect((page.body as Page).items).toHaveLength(50)
  })
})
