/**
 * A glob split at its stars: `gpt-4o*-mini` is the segments `gpt-4o` and `-mini`, anchored at
 * both ends. Segments are arrays of code points, with `?` standing for any one of them.
 */
export interface Glob {
  readonly segments: readonly (readonly string[])[]
  readonly anchoredStart: boolean
  readonly anchoredEnd: boolean
}

/** Splits a glob (`*` any run, `?` any one character, all else literal) into its segments. */
export function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*')
  return {
    segments: parts.filter((part) => part !== '').map((part) => Array.from(part)),
    anchoredStart: !pattern.startsWith('*'),
    anchoredEnd: !pattern.endsWith('*'),
  }
}

/**
 * Whether `name` (as code points) matches. Each segment takes its leftmost place after the
 * previous one, which is exact for `*`-globs and costs O(name × pattern) at worst. A RegExp such
 * as `^.*a.*a.*a.*b$` backtracks exponentially in the number of stars instead, and the name comes
 * from the client.
 */
export function globMatches(glob: Glob, name: readonly string[]): boolean {
  const { segments, anchoredStart, anchoredEnd } = glob
  if (segments.length === 0) return !(anchoredStart && anchoredEnd) || name.length === 0
  let from = 0
  let first = 0
  let last = segments.length
  if (anchoredStart) {
    if (!segmentAt(segments[0]!, name, 0)) return false
    from = segments[0]!.length
    first = 1
  }
  let end = name.length
  if (anchoredEnd && last > first) {
    const tail = segments[last - 1]!
    const at = name.length - tail.length
    if (at < from || !segmentAt(tail, name, at)) return false
    end = at
    last -= 1
  } else if (anchoredEnd && first === 1 && segments.length === 1) {
    return from === name.length
  }
  for (let s = first; s < last; s += 1) {
    const segment = segments[s]!
    let at = from
    while (at + segment.length <= end && !segmentAt(segment, name, at)) at += 1
    if (at + segment.length > end) return false
    from = at + segment.length
  }
  return true
}

function segmentAt(segment: readonly string[], name: readonly string[], at: number): boolean {
  if (at + segment.length > name.length) return false
  for (let k = 0; k < segment.length; k += 1) {
    const char = segment[k]
    if (char !== '?' && char !== name[at + k]) return false
  }
  return true
}
