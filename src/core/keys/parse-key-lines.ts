import { MAX_KEY_LABEL_LENGTH } from '../../shared/contract/keys'
import type { KeyEntry, ParsedKeys } from './key-entry'
import { isKeyToken } from './key-token'

const controlCharacter = /\p{Cc}/u

/** A label as stored: trimmed, short, single-line; undefined when it is not acceptable. */
export function cleanLabel(raw: string | undefined): string | undefined {
  const label = (raw ?? '').trim()
  if (label.length > MAX_KEY_LABEL_LENGTH || controlCharacter.test(label)) return undefined
  return label
}

/** One `key` or `key,label` item; undefined when it is not a key. */
export function keyEntry(rawKey: string, rawLabel?: string, weight?: number): KeyEntry | undefined {
  const secret = rawKey.trim()
  const label = cleanLabel(rawLabel)
  if (!isKeyToken(secret) || label === undefined) return undefined
  return weight === undefined ? { secret, label } : { secret, label, weight }
}

/**
 * Pasted text (SPEC §2.2): one key per line, optionally `key,label` (the label may hold commas);
 * blank lines and `#` comments are skipped, whitespace is trimmed, anything else that is not a
 * key counts as malformed. Duplicates are left to the caller, which knows the store.
 */
export function parseKeyLines(text: string): ParsedKeys {
  const entries: KeyEntry[] = []
  let malformed = 0
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const comma = line.indexOf(',')
    const entry = comma < 0 ? keyEntry(line) : keyEntry(line.slice(0, comma), line.slice(comma + 1))
    if (entry) entries.push(entry)
    else malformed++
  }
  return { entries, malformed }
}
