/** One key read from pasted text or an imported file, before it is encrypted and stored. */
export interface KeyEntry {
  secret: string
  label: string
  weight?: number
}

/** What a parser found: usable entries, and how many non-blank items were not keys. */
export interface ParsedKeys {
  entries: KeyEntry[]
  malformed: number
}
