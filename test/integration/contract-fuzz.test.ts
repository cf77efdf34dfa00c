import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeyPoolCore } from '../../src/core/keypool-core'
import { silentLogger } from '../../src/core/logger'
import { contract, operationNames, type OperationName } from '../../src/shared/contract'
import { adminErrorStatus } from '../../src/shared/errors'
import { tempDir } from '../support/temp-dir'

/**
 * SECURITY.md I1: arbitrary input at every keys.* and providers.* operation, through the same
 * router both transports use. No crash, an envelope every time, no write when the input is
 * refused, and never a stored secret in an answer.
 */
const fuzzed = operationNames.filter(
  (name) => name.startsWith('keys.') || name.startsWith('providers.'),
)

const secrets = Array.from(
  { length: 5 },
  (_, i) => `sk-fuzz-secret-${i}-${'0123456789abcdef'.repeat(2)}`,
)

const anything = fc.anything({
  withBoxedValues: true,
  withSet: true,
  withMap: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
})

const plausible = fc.oneof(
  fc.constantFrom(1, 2, 3, '1', '2', 0, -1, 1.5, 10_001, '', 'abc', true, null),
  fc.constantFrom('active', 'disabled', 'invalid', 'cooling', 'txt', 'csv', 'json', 'asc'),
  fc.constantFrom('label', 'requests', 'createdAt', 'http://127.0.0.1:9/v1', 'http://x'),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 12 }), fc.string()), { maxLength: 5 }),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }),
)

/** Secrets only as the text of keys to add, where the contract expects them. */
const keyText = fc.oneof(
  fc.constant(secrets.join('\n')),
  fc.constant(JSON.stringify(secrets)),
  fc.constant(`key,label\n${secrets.map((s) => `${s},fuzz`).join('\n')}`),
  fc
    .array(fc.stringMatching(/^[\x21-\x7e]{6,14}$/), { maxLength: 5 })
    .map((lines) => lines.join('\n')),
)

/** Values for one field: mostly of the right kind, sometimes not. */
const fieldValues: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.integer({ min: 1, max: 12 }),
  ids: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
  providerId: fc.integer({ min: 1, max: 3 }),
  status: fc.constantFrom('active', 'disabled', 'invalid', 'exhausted', 'cooling'),
  keys: keyText,
  content: keyText,
  format: fc.constantFrom('txt', 'csv', 'json'),
  label: fc.string({ maxLength: 140 }),
  weight: fc.integer({ min: -1, max: 1001 }),
  name: fc.string({ maxLength: 70 }),
  // Loopback only: a fuzzed keys.validate must not reach out of the machine.
  baseUrl: fc.constantFrom('http://127.0.0.1:9/v1/', 'http://localhost:9/v1', 'ftp://x'),
  q: fc.string({ maxLength: 10 }),
  enabled: fc.boolean(),
  page: fc.integer({ min: 0, max: 3 }),
  pageSize: fc.integer({ min: 0, max: 600 }),
  limit: fc.integer({ min: 0, max: 600 }),
  sort: fc.constantFrom('createdAt', 'lastUsedAt', 'requests', 'failures', 'label', 'state', 'x'),
  order: fc.constantFrom('asc', 'desc', 'up'),
}

/** The field names of an operation's input object (through prefault/optional wrappers). */
function fieldsOf(name: OperationName): string[] {
  let schema: unknown = contract[name].input
  for (let depth = 0; depth < 5 && schema; depth++) {
    const candidate = schema as { shape?: object; unwrap?: () => unknown }
    if (candidate.shape) return Object.keys(candidate.shape)
    schema = typeof candidate.unwrap === 'function' ? candidate.unwrap() : undefined
  }
  return []
}

/** An object with only the operation's fields, each often valid: reaches the handlers. */
function forOperation(name: OperationName): fc.Arbitrary<unknown> {
  const fields = fieldsOf(name)
  const record = Object.fromEntries(
    fields.map((field) => [
      field,
      fc.oneof({ arbitrary: fieldValues[field] ?? plausible, weight: 3 }, plausible),
    ]),
  )
  return fc.record(record, { requiredKeys: [] })
}

/** Objects with the contract's field names (often almost valid), plus stray fields. */
const nearValid = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...Object.keys(fieldValues)), plausible, { maxKeys: 5 }),
    fc.option(fc.dictionary(fc.string({ maxLength: 8 }), plausible, { maxKeys: 2 }), {
      nil: undefined,
    }),
  )
  .map(([fields, stray]) => ({ ...stray, ...fields }))

const inputFor = (name: OperationName) =>
  fc.oneof(anything, fc.jsonValue(), nearValid, forOperation(name), forOperation(name))

let core: KeyPoolCore

beforeAll(() => {
  core = KeyPoolCore.open({ dataDir: tempDir('keypool-fuzz-'), logger: silentLogger })
  core.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
  core.providers.update({ id: 1, baseUrl: 'http://127.0.0.1:9/v1' })
  core.providers.create({ name: 'Second', baseUrl: 'http://127.0.0.1:9/v2', enabled: true })
  core.keys.bulkAdd({ keys: secrets.join('\n') })
  core.keys.bulkAdd({ keys: secrets.join('\n'), providerId: 2 })
})

afterAll(async () => {
  await core.close(0)
})

function snapshot(): string {
  const db = core.database
  const changes = db.prepare('SELECT total_changes() AS n').get() as { n: number }
  const counts = ['providers', 'upstream_keys', 'key_state_transitions', 'secrets_meta'].map(
    (table) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
  )
  return JSON.stringify({ changes: changes.n, counts })
}

describe('I1: arbitrary input at every keys/providers operation', () => {
  it('covers the operations of this issue', () => {
    expect(fuzzed).toEqual(
      expect.arrayContaining(['providers.create', 'keys.list', 'keys.bulkAdd']),
    )
    expect(fuzzed.length).toBeGreaterThanOrEqual(15)
  })

  it.each(fuzzed)(
    '%s never crashes, refuses without writing, and leaks no secret',
    async (name) => {
      await fc.assert(
        fc.asyncProperty(inputFor(name), async (value) => {
          const before = snapshot()
          const envelope = await core.router.call(name as OperationName, value, {
            transport: 'internal',
          })
          expect(typeof envelope.ok).toBe('boolean')
          if (!envelope.ok) {
            expect(Object.keys(adminErrorStatus)).toContain(envelope.error.code)
            expect(envelope.error.code).not.toBe('internal_error')
            expect(typeof envelope.error.message).toBe('string')
            if (envelope.error.code === 'invalid_input') expect(snapshot()).toBe(before)
          }
          const text = JSON.stringify(envelope)
          for (const secret of secrets) expect(text).not.toContain(secret)
        }),
        { numRuns: 150 },
      )
    },
  )

  it('still holds the stored secrets intact afterwards', () => {
    const routing = core.keys.routingKeys()
    for (const key of routing) expect(() => core.keys.readSecret(key.id)).not.toThrow()
  })
})
