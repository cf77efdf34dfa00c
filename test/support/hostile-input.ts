import fc from 'fast-check'

/**
 * Keys that reach an object's prototype machinery when code assigns them (`o[key] = v`) instead
 * of defining them, the classic prototype-pollution vector.
 */
export const pollutingKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
] as const

/** `target` with `key` as an own enumerable property, `__proto__` included (as JSON.parse does). */
export function withOwnKey<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
  return target
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

const MIB = 1024 * 1024
const hugeString = 'x'.repeat(MIB)

function nested(depth: number, leaf: unknown, asObject: boolean): unknown {
  let value = leaf
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value]
  return value
}

/** Objects that JSON.parse builds with own `__proto__` / `constructor.prototype` members. */
const pollution = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') as unknown,
  JSON.parse('{"__proto__":{"polluted":true},"id":1,"name":"x"}') as unknown,
)

/** Values of every wrong kind, as JSON can carry them (HTTP bodies). */
export function hostileJson(strings: readonly string[] = []): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue(),
    fc.jsonValue({ maxDepth: 6, depthSize: 'large' }),
    fc.constantFrom(
      0,
      -1,
      -0,
      1.5,
      1e308,
      2 ** 53,
      '',
      ' ',
      '0',
      'null',
      'true',
      '%00',
      '\u0000',
      '\u202e',
      [],
      {},
      [null],
      true,
      null,
      hugeString,
      { a: hugeString },
      nested(500, 1, false),
      nested(500, 1, true),
      ...strings,
    ),
    pollution,
    fc.dictionary(fc.constantFrom(...pollutingKeys), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    }),
  )
}

/**
 * Values of every wrong kind, beyond JSON too: what IPC's structured clone can carry (Map, Set,
 * Date, typed arrays, BigInt, sparse arrays, null-prototype objects), and boxed values.
 */
export function hostileValue(strings: readonly string[] = []): fc.Arbitrary<unknown> {
  return fc.oneof(
    hostileJson(strings),
    fc.anything({
      withBoxedValues: true,
      withSet: true,
      withMap: true,
      withObjectString: true,
      withNullPrototype: true,
      withBigInt: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
  )
}

export type Mutation = 'unknown-key' | 'wrong-type' | 'huge' | 'drop'

/**
 * A copy of `valid` with one thing wrong in one of its objects (the root or a nested one): a
 * key it does not declare, a value of the wrong type, a 1 MiB string, or a field removed.
 */
export function mutate(
  valid: unknown,
  mutation: Mutation,
  pick: number,
  key: string,
  junk: unknown,
): unknown {
  const copy = isPlainObject(valid) ? (structuredClone(valid) as Record<string, unknown>) : {}
  const containers = objectsIn(copy)
  const target = containers[pick % containers.length]!
  const keys = Object.keys(target)
  const existing = keys.length > 0 ? keys[pick % keys.length]! : key
  switch (mutation) {
    case 'unknown-key':
      withOwnKey(target, key, junk)
      return copy
    // Defined, never assigned: assigning `__proto__` would swap the prototype instead.
    case 'wrong-type':
      withOwnKey(target, existing, junk)
      return copy
    case 'huge':
      withOwnKey(target, existing, hugeString)
      return copy
    case 'drop':
      delete target[existing]
      return copy
  }
}

function objectsIn(root: Record<string, unknown>): Record<string, unknown>[] {
  const found = [root]
  for (let i = 0; i < found.length && i < 50; i++) {
    for (const value of Object.values(found[i]!)) if (isPlainObject(value)) found.push(value)
  }
  return found
}
