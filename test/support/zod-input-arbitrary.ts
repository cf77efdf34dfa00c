import fc from 'fast-check'
import type { z } from 'zod'
import { checksOf, defOf, isOptional, maxLengthOf, type CheckDef } from './zod-schema-nodes'

export interface InputArbitraryOptions {
  /** Every URL field gets one of these: a fuzzed operation must never reach beyond the machine. */
  urls: readonly string[]
}

/**
 * Inputs a zod schema accepts, most of the time, derived from the schema itself so that a new
 * operation is covered without a line of test code. Numbers lean to the small end of their
 * range (ids that exist), strings are short with an occasional value at the length cap, and
 * optional fields come and go. Values the schema refuses slip in now and then (a label with a
 * control character, a name that is only spaces): the router must answer those too.
 */
export function inputArbitrary(
  schema: z.ZodType,
  options: InputArbitraryOptions,
): fc.Arbitrary<unknown> {
  return build(schema, options, 0)
}

function build(
  schema: z.ZodType,
  options: InputArbitraryOptions,
  depth: number,
): fc.Arbitrary<unknown> {
  if (depth > 20) return fc.constant(undefined)
  const def = defOf(schema)
  const inner = (next: z.ZodType | undefined) =>
    next ? build(next, options, depth + 1) : fc.constant(undefined)
  switch (def.type) {
    case 'string':
      return stringArbitrary(def.format, checksOf(schema), maxLengthOf(schema), options)
    case 'number':
      return numberArbitrary(checksOf(schema), def.coerce === true)
    case 'boolean':
      return fc.boolean()
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? { none: 'none' }))
    case 'literal':
      return fc.constantFrom(...(def.values ?? [null]))
    case 'null':
      return fc.constant(null)
    case 'undefined':
    case 'never':
      return fc.constant(undefined)
    case 'array': {
      const checks = checksOf(schema)
      const min = checks.find((check) => check.check === 'min_length')?.minimum ?? 0
      const max = Math.min(maxLengthOf(schema) ?? min + 4, min + 4)
      return fc.array(inner(def.element), { minLength: min, maxLength: max })
    }
    case 'object': {
      const shape = def.shape ?? {}
      const fields = Object.fromEntries(
        Object.entries(shape).map(([key, value]) => [key, inner(value)]),
      )
      const required = Object.entries(shape)
        .filter(([, value]) => !isOptional(value))
        .map(([key]) => key)
      return fc.record(fields, { requiredKeys: required })
    }
    case 'optional':
    case 'default':
    case 'prefault':
      return fc.option(inner(def.innerType), { nil: undefined, freq: 4 })
    case 'nullable':
      return fc.option(inner(def.innerType), { nil: null, freq: 4 })
    case 'pipe':
      // `z.preprocess` is a pipe from a transform into the real schema; `.transform` a pipe from
      // the real schema into a transform.
      return defOf(def.in!).type === 'transform' ? inner(def.out) : inner(def.in)
    case 'union':
      return fc.oneof(...(def.options ?? []).map((option) => inner(option)))
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

function stringArbitrary(
  format: string | undefined,
  checks: CheckDef[],
  cap: number | undefined,
  options: InputArbitraryOptions,
): fc.Arbitrary<string> {
  if (format === 'url') return fc.constantFrom(...options.urls)
  if (format === 'datetime') {
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((date) => date.toISOString())
  }
  const min = checks.find((check) => check.check === 'min_length')?.minimum ?? 0
  const max = cap ?? 10_000
  const patterns = checks
    .filter((check) => check.check === 'string_format' && check.pattern)
    .map((check) => check.pattern!)
  const fits = (value: string) => value.length >= min && value.length <= max
  if (patterns.length > 0) {
    const matching = stringMatching(patterns[0]!)
    if (matching) {
      return matching.filter((value) => fits(value) && patterns.every((p) => p.test(value)))
    }
  }
  const short = fc.string({ minLength: min, maxLength: Math.min(max, min + 24) })
  const anyText = fc.string({ minLength: min, maxLength: Math.min(max, min + 24), unit: 'binary' })
  const atCap = max <= 64 * 1024 ? [{ arbitrary: fc.constant('a'.repeat(max)), weight: 1 }] : []
  return fc.oneof({ arbitrary: short, weight: 6 }, { arbitrary: anyText, weight: 2 }, ...atCap)
}

/** fast-check cannot build every pattern (Unicode property escapes): then plain strings. */
function stringMatching(pattern: RegExp): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(pattern, { size: 'small' })
  } catch {
    return undefined
  }
}

function numberArbitrary(checks: CheckDef[], coerce: boolean): fc.Arbitrary<unknown> {
  const integer = checks.some((check) => check.check === 'number_format')
  let min = -1_000_000
  let max = 1_000_000
  for (const check of checks) {
    if (check.check === 'greater_than' && check.value !== undefined) {
      min = check.inclusive ? check.value : check.value + (integer ? 1 : 1e-9)
    }
    if (check.check === 'less_than' && check.value !== undefined) {
      max = check.inclusive ? check.value : check.value - (integer ? 1 : 1e-9)
    }
  }
  const number = integer
    ? fc.oneof(
        // Small values first: ids that exist, counts near the minimum.
        { arbitrary: fc.integer({ min, max: Math.min(max, min + 12) }), weight: 3 },
        { arbitrary: fc.integer({ min, max }), weight: 1 },
      )
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  // A coerced number arrives as text over HTTP (query strings, path parameters).
  return coerce ? fc.oneof(number, number.map(String)) : number
}
