import { compileGlob, type Glob, globMatches } from './glob'

/** A sub-key's model policy as stored (SPEC §3): exact names or globs with `*` and `?`. */
export interface ModelPolicy {
  allowModels: readonly string[]
  denyModels: readonly string[]
}

/** A compiled policy: built once per sub-key, consulted on every request. */
export interface ModelMatcher {
  /** True when the policy has no rule at all, so callers may skip matching and filtering. */
  readonly unrestricted: boolean
  allows(model: string): boolean
  /** The items whose model id the policy allows, in their order (`GET /v1/models`). */
  filter<T>(items: readonly T[], idOf: (item: T) => string): T[]
}

/** One list of patterns: exact names in a set, globs compiled once. */
interface PatternSet {
  readonly empty: boolean
  has(name: string): boolean
}

/** A sub-key uses few models; remembering their answers spares the glob work per request. */
const maxCachedAnswers = 256

/**
 * Compiles a policy. Names compare case-insensitively (`GPT-4o` is `gpt-4o`), on the model name
 * the client sends, never an internal id. Deny wins over allow; an empty allow list allows all.
 */
export function compileModelPolicy(policy: ModelPolicy): ModelMatcher {
  const allow = compilePatterns(policy.allowModels)
  const deny = compilePatterns(policy.denyModels)
  const unrestricted = allow.empty && deny.empty
  const answers = new Map<string, boolean>()
  const allows = (model: string): boolean => {
    if (unrestricted) return true
    const name = model.toLowerCase()
    let answer = answers.get(name)
    if (answer === undefined) {
      answer = !deny.has(name) && (allow.empty || allow.has(name))
      if (answers.size >= maxCachedAnswers) answers.clear()
      answers.set(name, answer)
    }
    return answer
  }
  return {
    unrestricted,
    allows,
    filter: (items, idOf) =>
      unrestricted ? [...items] : items.filter((item) => allows(idOf(item))),
  }
}

function compilePatterns(patterns: readonly string[]): PatternSet {
  const exact = new Set<string>()
  const globs: Glob[] = []
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase()
    if (!pattern) continue
    if (pattern.includes('*') || pattern.includes('?')) globs.push(compileGlob(pattern))
    else exact.add(pattern)
  }
  return {
    empty: exact.size === 0 && globs.length === 0,
    has: (name) => exact.has(name) || (globs.length > 0 && matchesAny(globs, name)),
  }
}

function matchesAny(globs: readonly Glob[], name: string): boolean {
  const chars = Array.from(name)
  return globs.some((glob) => globMatches(glob, chars))
}
