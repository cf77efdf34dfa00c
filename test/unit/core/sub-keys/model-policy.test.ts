import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileModelPolicy } from '../../../../src/core/sub-keys/model-policy'

const policy = (allowModels: string[], denyModels: string[] = []) =>
  compileModelPolicy({ allowModels, denyModels })

/** A reference glob matcher, written differently: recursion over code points. */
function globMatches(glob: string, name: string): boolean {
  const g = [...glob.toLowerCase()]
  const n = [...name.toLowerCase()]
  const memo = new Map<string, boolean>()
  const at = (i: number, j: number): boolean => {
    const key = `${i},${j}`
    const known = memo.get(key)
    if (known !== undefined) return known
    let result: boolean
    if (i === g.length) result = j === n.length
    else if (g[i] === '*') result = at(i + 1, j) || (j < n.length && at(i, j + 1))
    else if (j < n.length && (g[i] === '?' || g[i] === n[j])) result = at(i + 1, j + 1)
    else result = false
    memo.set(key, result)
    return result
  }
  return at(0, 0)
}

describe('compileModelPolicy', () => {
  it('allows everything with empty lists', () => {
    const matcher = policy([])
    expect(matcher.unrestricted).toBe(true)
    expect(matcher.allows('anything')).toBe(true)
  })

  it('matches exact names and globs case-insensitively', () => {
    const matcher = policy(['GPT-4o*', '*mini', 'o?', 'text-embedding-3-small'])
    expect(matcher.allows('gpt-4o')).toBe(true)
    expect(matcher.allows('gpt-4o-2024-08-06')).toBe(true)
    expect(matcher.allows('GPT-4.1-MINI')).toBe(true)
    expect(matcher.allows('o3')).toBe(true)
    expect(matcher.allows('o3-pro')).toBe(false)
    expect(matcher.allows('Text-Embedding-3-Small')).toBe(true)
    expect(matcher.allows('text-embedding-3-large')).toBe(false)
    expect(matcher.allows('gpt-4')).toBe(false)
  })

  it('lets deny win over allow, and deny alone restrict', () => {
    expect(policy(['gpt-4o*'], ['gpt-4o-audio*']).allows('gpt-4o-audio-preview')).toBe(false)
    expect(policy(['gpt-4o*'], ['gpt-4o-audio*']).allows('gpt-4o-mini')).toBe(true)
    expect(policy([], ['*preview*']).allows('o1-preview')).toBe(false)
    expect(policy([], ['*preview*']).allows('o1')).toBe(true)
  })

  it('treats regex characters literally and ignores blank entries', () => {
    const matcher = policy(['llama3.1:8b', 'org/model(1)+[x]', '  '])
    expect(matcher.allows('llama3.1:8b')).toBe(true)
    expect(matcher.allows('llama3x1:8b')).toBe(false)
    expect(matcher.allows('org/model(1)+[x]')).toBe(true)
    expect(policy(['  ', '']).unrestricted).toBe(true)
    expect(policy(['a.*']).allows('a.b')).toBe(true)
    expect(policy(['a.*']).allows('axb')).toBe(false)
  })

  it('filters a model list for GET /v1/models, keeping order', () => {
    const models = ['gpt-4o', 'gpt-4o-mini', 'o3', 'dall-e-3'].map((id) => ({
      id,
      object: 'model',
    }))
    expect(
      policy(['gpt-*'], ['*mini'])
        .filter(models, (m) => m.id)
        .map((m) => m.id),
    ).toEqual(['gpt-4o'])
    expect(policy([]).filter(models, (m) => m.id)).toEqual(models)
  })

  it('stays fast on a hostile glob and a long name', () => {
    const matcher = policy(['*a*a*a*a*a*a*a*a*b', '**********c'])
    const started = performance.now()
    expect(matcher.allows('a'.repeat(256))).toBe(false)
    expect(matcher.allows(`${'a'.repeat(10_000)}b`)).toBe(true)
    expect(performance.now() - started).toBeLessThan(200)
  })

  const nameChar = fc.constantFrom('a', 'B', '-', '.', '4', 'é', '/', ':', '(', '🙂')
  const name = fc.array(nameChar, { maxLength: 10 }).map((c) => c.join(''))
  const glob = fc
    .array(fc.oneof(nameChar, fc.constantFrom('*', '?')), { maxLength: 8 })
    .map((c) => c.join(''))

  it('property: a glob matches exactly as the reference matcher does', () => {
    fc.assert(
      fc.property(glob, name, (pattern, model) => {
        fc.pre(pattern.trim() === pattern && pattern !== '')
        expect(policy([pattern]).allows(model)).toBe(globMatches(pattern, model))
      }),
      { numRuns: 2_000 },
    )
  })

  it('property: deny wins, and an empty allow list allows what is not denied', () => {
    fc.assert(
      fc.property(fc.array(glob), fc.array(glob), name, (allow, deny, model) => {
        const matcher = policy(allow, deny)
        const clean = (list: string[]) => list.map((p) => p.trim()).filter(Boolean)
        const denied = clean(deny).some((p) => globMatches(p, model))
        const allowed = clean(allow).length === 0 || clean(allow).some((p) => globMatches(p, model))
        expect(matcher.allows(model)).toBe(allowed && !denied)
        expect(matcher.allows(model.toUpperCase())).toBe(matcher.allows(model.toLowerCase()))
      }),
      { numRuns: 1_000 },
    )
  })
})
