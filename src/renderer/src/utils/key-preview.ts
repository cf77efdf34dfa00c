/** What the add-keys dialog shows before anything is sent. */
export interface KeyPreview {
  /** Non-blank, non-comment lines (or JSON items). */
  lines: number
  /** Distinct well-formed keys: what would be added if none is stored yet. */
  keys: number
  /** Well-formed keys that repeat an earlier one in the same batch. */
  duplicates: number
  /** Items that do not look like a key. */
  malformed: number
}

/** 8–512 printable ASCII characters without spaces, as the server checks (core/keys/key-token). */
const KEY_TOKEN = /^[\x21-\x7e]{8,512}$/
const CONTROL = /\p{Cc}/u

function looksLikeLabel(label: string): boolean {
  return label.length <= 128 && !CONTROL.test(label)
}

function tally(
  candidates: Iterable<{ key: string; label?: string }>,
  count: KeyPreview,
): KeyPreview {
  const seen = new Set<string>()
  for (const { key, label } of candidates) {
    count.lines++
    const secret = key.trim()
    if (!KEY_TOKEN.test(secret) || !looksLikeLabel((label ?? '').trim())) count.malformed++
    else if (seen.has(secret)) count.duplicates++
    else {
      seen.add(secret)
      count.keys++
    }
  }
  return count
}

function* lineItems(text: string, csv: boolean): Generator<{ key: string; label?: string }> {
  let first = true
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const comma = line.indexOf(',')
    const key = comma < 0 ? line : line.slice(0, comma)
    // A CSV header row (`key,label`) is not a key.
    if (csv && first && /^"?(key|api_?key|secret)"?$/i.test(key.trim())) {
      first = false
      continue
    }
    first = false
    const unquoted = csv ? key.trim().replace(/^"(.*)"$/, '$1') : key
    yield comma < 0 ? { key: unquoted } : { key: unquoted, label: line.slice(comma + 1) }
  }
}

function* jsonItems(text: string): Generator<{ key: string; label?: string }> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    yield { key: '' }
    return
  }
  const list = Array.isArray(parsed)
    ? parsed
    : parsed && typeof parsed === 'object' && Array.isArray((parsed as { keys?: unknown }).keys)
      ? (parsed as { keys: unknown[] }).keys
      : [parsed]
  for (const item of list) {
    if (typeof item === 'string') yield { key: item }
    else if (item && typeof item === 'object') {
      const record = item as Record<string, unknown>
      const key = record.key ?? record.secret ?? record.apiKey
      yield {
        key: typeof key === 'string' ? key : '',
        ...(typeof record.label === 'string' && { label: record.label }),
      }
    } else yield { key: '' }
  }
}

/**
 * Counts what a paste or a file holds, the way the server will parse it, so the user sees lines,
 * keys, in-batch duplicates and malformed lines before confirming. Duplicates of stored keys are
 * only known to the server.
 */
export function previewKeys(text: string, format: 'txt' | 'csv' | 'json' = 'txt'): KeyPreview {
  const count: KeyPreview = { lines: 0, keys: 0, duplicates: 0, malformed: 0 }
  if (format === 'json') return text.trim() ? tally(jsonItems(text), count) : count
  return tally(lineItems(text, format === 'csv'), count)
}

/** The import format a file name implies; plain text otherwise. */
export function formatOfFile(name: string): 'txt' | 'csv' | 'json' {
  const lower = name.toLowerCase()
  if (lower.endsWith('.csv')) return 'csv'
  if (lower.endsWith('.json')) return 'json'
  return 'txt'
}
