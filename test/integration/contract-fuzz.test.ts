import fc from 'fast-check'
import type { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { listenerRefusalCodes } from '../../src/core/http/listener-refusal'
import { KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import { buildRouteTable, type HttpRoute } from '../../src/server/http-route-table'
import { contract, operationNames, type OperationName } from '../../src/shared/contract'
import { adminErrorStatus, type Envelope } from '../../src/shared/errors'
import { completedRequest } from '../support/completed-request'
import { startTestServer } from '../support/headless'
import {
  hostileJson,
  hostileValue,
  isPlainObject,
  mutate,
  pollutingKeys,
  withOwnKey,
  type Mutation,
} from '../support/hostile-input'
import { tempDir } from '../support/temp-dir'
import { inputArbitrary } from '../support/zod-input-arbitrary'
import { defOf, maxLengthOf, schemaNodes } from '../support/zod-schema-nodes'

/**
 * SECURITY.md I1: every operation of the contract, found in its registry (a new operation is
 * fuzzed without a line here), gets arbitrary input through the router both transports use, on
 * a real core with a real SQLite file holding canary secrets. Properties: an envelope every
 * time with a stable error code and never a 5xx one; a refused input writes nothing and never
 * reaches the handler; unknown keys are refused; no canary secret in any answer. A smaller
 * sample goes over real HTTP to every route of the route table.
 */

/** Runs per operation of the main property; three properties run per operation. */
const RUNS = 60
const HTTP_RUNS = 10

/** Every URL a fuzzed input may carry: closed loopback ports, so no fuzzed call leaves the machine. */
const LOOPBACK_URLS = ['http://127.0.0.1:9/v1', 'http://localhost:9/v1/', 'http://[::1]:9/v1']

const canaryUpstreamKeys = Array.from(
  { length: 3 },
  (_, i) => `sk-CANARYI1-upstream-${i}-${'0123456789abcdef'.repeat(2)}`,
)

interface World {
  core: KeyPoolCore
  /** The seeded secrets: the upstream keys and the sub-key's one-time secret. */
  canaries: string[]
}

/**
 * A fresh core on a real SQLite file: two providers on closed loopback ports, the canary keys in
 * both, a canary sub-key and a few request-log rows, validation on add and on schedule off.
 */
async function openWorld(
  core = KeyPoolCore.open({ dataDir: tempDir('keypool-fuzz-'), logger: silentLogger }),
): Promise<World> {
  const call = async (name: OperationName, input: unknown) => {
    const envelope = await core.router.call(name, input, { transport: 'internal' })
    if (!envelope.ok) throw new Error(`seeding ${name}: ${JSON.stringify(envelope.error)}`)
    return envelope.data
  }
  await call('settings.update', { validation: { onAdd: false, scheduleMinutes: 0 } })
  await call('providers.update', { id: 1, baseUrl: LOOPBACK_URLS[0] })
  await call('providers.create', { name: 'Second', baseUrl: 'http://127.0.0.1:9/v2' })
  await call('keys.bulkAdd', { keys: canaryUpstreamKeys.join('\n'), providerId: 1 })
  await call('keys.bulkAdd', { keys: canaryUpstreamKeys.join('\n'), providerId: 2 })
  const issued = (await call('subKeys.create', { name: 'canary' })) as { secret: string }
  const now = Date.now()
  for (let i = 0; i < 6; i++) {
    core.stats.record(completedRequest(now - i * 90_000, { keyId: 1 + (i % 3), subKeyId: 1 }))
  }
  core.usage.flush()
  return { core, canaries: [...canaryUpstreamKeys, issued.secret] }
}

/** Every row change on the core's connection, background jobs included. */
function totalChanges(core: KeyPoolCore): number {
  return (core.database.prepare('SELECT total_changes() AS n').get() as { n: number }).n
}

/** The input object schema under optional/default/prefault wrappers, or undefined. */
function rootObject(schema: z.ZodType): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema
  for (let i = 0; i < 5 && current; i++) {
    const def = defOf(current)
    if (def.type === 'object') return current
    current = def.innerType
  }
  return undefined
}

function schemaAccepts(schema: z.ZodType, value: unknown): boolean {
  try {
    return schema.safeParse(value).success
  } catch {
    return false
  }
}

const mutations: Mutation[] = ['unknown-key', 'wrong-type', 'huge', 'drop']
const unknownKey = (canaries: readonly string[], known: readonly string[]) =>
  fc
    .oneof(
      fc.constantFrom(...pollutingKeys, 'isAdmin', 'sk-proj-', ...canaries),
      fc.string({ minLength: 1, maxLength: 24 }),
    )
    .filter((key) => !known.includes(key))

/** Mostly-valid input (reaches the handler), mutated input, and hostile values of any kind. */
function inputFor(name: OperationName, canaries: readonly string[]): fc.Arbitrary<unknown> {
  const schema = contract[name].input as z.ZodType
  const valid = inputArbitrary(schema, { urls: LOOPBACK_URLS })
  const mutated = fc
    .tuple(
      valid,
      fc.constantFrom(...mutations),
      fc.nat(),
      unknownKey(canaries, []),
      hostileValue(canaries),
    )
    .map(([value, mutation, pick, key, junk]) => mutate(value, mutation, pick, key, junk))
  return fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: mutated, weight: 3 },
    { arbitrary: hostileValue(canaries), weight: 2 },
  )
}

function containsAny(text: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => text.includes(secret))
}

function expectStableError(envelope: Envelope<unknown>, context: string): void {
  if (envelope.ok) return
  const { code, message } = envelope.error
  expect(Object.keys(adminErrorStatus), context).toContain(code)
  // A 500 code (internal_error, backup_failed…) means something broke instead of refusing;
  // 503 `unavailable` is a stable answer (the proxy is not listening in this core).
  expect(adminErrorStatus[code], `${context}: ${code} ${message}`).not.toBe(500)
  expect(message, context).toBeTypeOf('string')
}

function expectNoPollution(): void {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted')
}

describe('I1: the contract schemas', () => {
  const routes = buildRouteTable()

  it('the fuzz covers exactly the operations of the registry, over both router and HTTP', () => {
    expect([...operationNames].sort()).toEqual(Object.keys(contract).sort())
    expect(routes.map((route) => route.operation).sort()).toEqual([...operationNames].sort())
  })

  it.each(operationNames)('%s: every object is strict, every string and array capped', (name) => {
    const problems: string[] = []
    for (const node of schemaNodes(contract[name].input as z.ZodType)) {
      const where = node.path || '(root)'
      const { type } = node.def
      if (type === 'object' && defOf(node.def.catchall ?? node.schema).type !== 'never') {
        problems.push(`${where}: object accepts unknown keys (use z.strictObject)`)
      }
      if ((type === 'string' || type === 'array') && maxLengthOf(node.schema) === undefined) {
        problems.push(`${where}: ${type} without .max()`)
      }
      if (type === 'record' || type === 'any' || type === 'unknown') {
        problems.push(`${where}: ${type} lets anything through`)
      }
    }
    expect(problems).toEqual([])
  })
})

describe('I1: arbitrary input at every operation, through the router', () => {
  it.each(operationNames)(
    '%s never crashes, refuses without writing, rejects unknown keys, leaks no secret',
    async (name) => {
      const world = await openWorld()
      const { core, canaries } = world
      const schema = contract[name].input as z.ZodType
      let reachedHandler = 0
      try {
        await fc.assert(
          fc.asyncProperty(inputFor(name, canaries), async (value) => {
            const before = totalChanges(core)
            const pending = core.router.call(name, value, { transport: 'internal' })
            // The router refuses synchronously, before its first await: these two reads bracket
            // the refusal exactly, whatever background jobs write later.
            const afterCall = totalChanges(core)
            const envelope = await pending
            expectStableError(envelope, name)
            const refused = !envelope.ok && envelope.error.code === 'invalid_input'
            if (refused) expect(afterCall, `${name} wrote on refused input`).toBe(before)
            else reachedHandler += 1
            // The router validates with exactly the contract's schema.
            if (!schemaAccepts(schema, value)) expect(refused, `${name} let through`).toBe(true)
            const answer = JSON.stringify(envelope)
            // A canary the caller sent in a field it is stored in may come back; else never.
            if (!envelope.ok || !containsAny(fc.stringify(value), canaries)) {
              expect(containsAny(answer, canaries), `${name} answered a secret`).toBe(false)
            }
            expectNoPollution()
          }),
          // On a loaded machine an expensive operation (backups.create copies the database
          // each run) stops early rather than stretch the file: the seed fixes which runs come.
          { numRuns: RUNS, interruptAfterTimeLimit: 2_500 },
        )

        // Unknown keys, at the root (nested objects are strict by the schema test above).
        const root = rootObject(schema)
        if (root) {
          const known = Object.keys(defOf(root).shape ?? {})
          const withStray = fc
            .tuple(
              inputArbitrary(schema, { urls: LOOPBACK_URLS }),
              unknownKey(canaries, known),
              hostileJson(),
            )
            .map(([value, key, junk]) =>
              withOwnKey(isPlainObject(value) ? { ...value } : {}, key, junk),
            )
          await fc.assert(
            fc.asyncProperty(withStray, async (value) => {
              const before = totalChanges(core)
              const pending = core.router.call(name, value, { transport: 'internal' })
              const afterCall = totalChanges(core)
              const envelope = await pending
              expect(envelope.ok).toBe(false)
              if (envelope.ok) return
              expect(envelope.error.code).toBe('invalid_input')
              expect(envelope.error.issues?.map((issue) => issue.message).join('\n')).toMatch(
                /Unrecognized field/,
              )
              expect(afterCall).toBe(before)
              expect(containsAny(JSON.stringify(envelope), canaries)).toBe(false)
              expectNoPollution()
            }),
            { numRuns: Math.ceil(RUNS / 3) },
          )
        }

        // The generator reaches the handler: the fuzz tests more than the schema.
        expect(reachedHandler, `${name}: no generated input passed validation`).toBeGreaterThan(0)
        // The stored secrets are intact and still decrypt.
        for (const key of core.keys.routingKeys()) {
          expect(() => core.keys.readSecret(key.id)).not.toThrow()
        }
      } finally {
        await core.close(0)
      }
    },
  )
})

/** One HTTP request built from a route: path parameters, query or body, headers. */
interface FuzzedRequest {
  path: string
  method: string
  headers: Record<string, string>
  body?: string
}

interface BodyPart {
  headers: Record<string, string>
  body: string
}

/** Path parameter text: valid values, junk, and broken percent-encoding. */
const paramText = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: valid.map((value) => encodeURIComponent(String(value))), weight: 3 },
    { arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent), weight: 1 },
    {
      arbitrary: fc.constantFrom('%E0%A4%A', '%', '%zz', '%00', '0', '-1', '1e3', '9'.repeat(40)),
      weight: 1,
    },
  )

function queryText(value: unknown): string {
  if (!isPlainObject(value)) return ''
  const query = new URLSearchParams()
  for (const [key, field] of Object.entries(value)) {
    const values = Array.isArray(field) ? field : [field]
    for (const item of values) {
      if (item === undefined) continue
      query.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item))
    }
  }
  return query.toString()
}

function requestsFor(route: HttpRoute, canaries: readonly string[]): fc.Arbitrary<FuzzedRequest> {
  const schema = contract[route.operation].input as z.ZodType
  const shape = defOf(rootObject(schema) ?? schema).shape ?? {}
  const valid = inputArbitrary(schema, { urls: LOOPBACK_URLS })
  const params = fc.record(
    Object.fromEntries(
      route.params.map((param) => [
        param,
        paramText(shape[param] ? inputArbitrary(shape[param], { urls: LOOPBACK_URLS }) : fc.nat()),
      ]),
    ),
  )
  const pathOf = (values: Record<string, string>) =>
    contractPath(route.operation).replace(/\{(\w+)\}/g, (_, param: string) => values[param] ?? '1')
  const mutated = fc
    .tuple(valid, fc.constantFrom(...mutations), fc.nat(), unknownKey(canaries, []), hostileJson())
    .map(([value, mutation, pick, key, junk]) => mutate(value, mutation, pick, key, junk))
  const payload = fc.oneof(valid, mutated, hostileJson(canaries))
  const json = { 'content-type': 'application/json' }

  if (route.method === 'GET' || route.method === 'DELETE') {
    const rawQuery = fc.oneof(
      payload.map(queryText),
      fc.string({ maxLength: 60 }).map(encodeURI),
      fc.constantFrom(...pollutingQueries, 'page=1&page=2', '%zz=1', 'a=%E0%A4%A'),
    )
    return fc.tuple(params, rawQuery).map(([values, query]) => ({
      path: `${pathOf(values)}${query ? `?${query}` : ''}`,
      method: route.method,
      headers: {},
    }))
  }
  const body = fc.oneof(
    {
      arbitrary: payload.map((value): BodyPart => ({
        headers: json,
        body: JSON.stringify(value) ?? 'null',
      })),
      weight: 4,
    },
    {
      arbitrary: fc
        .string({ maxLength: 80 })
        .map((text): BodyPart => ({ headers: json, body: text })),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '')
        .map((type): BodyPart => ({
          headers: type ? { 'content-type': type } : {},
          body: '{"name":"x"}',
        })),
      weight: 1,
    },
  )
  return fc.tuple(params, body).map(([values, content]): FuzzedRequest => ({
    path: pathOf(values),
    method: route.method,
    ...content,
  }))
}

function contractPath(operation: OperationName): string {
  return contract[operation].path
}

const pollutingQueries = ['__proto__=x', '__proto__=a&__proto__=b', 'constructor=x', 'toString=1']

/** The admin API's codes, and the listener's for what it refuses itself (431 for a huge query). */
const errorCodes: readonly string[] = [...Object.keys(adminErrorStatus), ...listenerRefusalCodes]

describe('I1: arbitrary requests at every route, over real HTTP', () => {
  it('answers 2xx or a 4xx error envelope, never a 500, leaks no secret, stays up', async () => {
    const server = await startTestServer()
    try {
      const { canaries } = await openWorld(server.core)
      const token = server.adminToken.token
      for (const route of buildRouteTable()) {
        await fc.assert(
          fc.asyncProperty(requestsFor(route, canaries), async (request) => {
            const response = await fetch(`${server.url}${request.path}`, {
              method: request.method,
              headers: { authorization: `Bearer ${token}`, ...request.headers },
              ...(request.body !== undefined && { body: request.body }),
            })
            const text = await response.text()
            const context = `${route.operation}: ${response.status} ${text.slice(0, 300)} for ${request.method} ${request.path.slice(0, 200)}`
            const parsed = JSON.parse(text) as { error?: { code: string; message: string } }
            if (response.status >= 400) {
              expect(errorCodes, context).toContain(parsed.error?.code)
              expect(parsed.error?.message, context).toBeTypeOf('string')
            }
            // Never a 5xx, except `unavailable` (the connection test needs a listening proxy).
            if (response.status >= 500) expect(parsed.error?.code, context).toBe('unavailable')
            if (!containsAny(`${request.path}${request.body ?? ''}`, canaries)) {
              expect(containsAny(text, canaries), context).toBe(false)
            }
          }),
          { numRuns: HTTP_RUNS },
        )
        if (route.method === 'GET' || route.method === 'DELETE') {
          // Query names are input fields too: prototype keys are refused like any unknown one.
          const path = contractPath(route.operation).replace(/\{\w+\}/g, '1')
          for (const query of pollutingQueries) {
            const response = await fetch(`${server.url}${path}?${query}`, {
              method: route.method,
              headers: { authorization: `Bearer ${token}` },
            })
            const body = (await response.json()) as { error?: { code: string } }
            expect(`${response.status} ${body.error?.code}`, `${route.operation} ?${query}`).toBe(
              '400 invalid_input',
            )
          }
        }
        const health = await fetch(`${server.url}/health`)
        expect(health.status, `after ${route.operation}`).toBe(200)
      }
      expectNoPollution()
    } finally {
      await server.close(200)
    }
  })
})
