import { z } from 'zod'
import type { KeyImportFormat } from '../../shared/contract/keys'
import { MAX_KEY_WEIGHT } from '../../shared/contract/keys'
import { AppError } from '../errors'
import { parseCsv } from './csv'
import type { KeyEntry, ParsedKeys } from './key-entry'
import { keyEntry, parseKeyLines } from './parse-key-lines'

const jsonItemSchema = z.union([
  z.string(),
  z.object({
    key: z.string().max(1024),
    label: z.string().max(1024).nullish(),
    weight: z.number().int().min(1).max(MAX_KEY_WEIGHT).nullish(),
  }),
])

/** A weight cell: empty = default, otherwise 1..1000; NaN marks a bad one. */
function weightCell(raw: string | undefined): number | undefined {
  const text = (raw ?? '').trim()
  if (text === '') return undefined
  const weight = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN
  return weight >= 1 && weight <= MAX_KEY_WEIGHT ? weight : Number.NaN
}

function csvEntries(content: string): ParsedKeys {
  const rows = parseCsv(content).filter(
    (row) => row.some((cell) => cell.trim() !== '') && !row[0]!.trim().startsWith('#'),
  )
  const header = rows[0]?.map((cell) => cell.trim().toLowerCase())
  const hasHeader = header?.includes('key') ?? false
  const column = (name: string, fallback: number): number =>
    hasHeader ? header!.indexOf(name) : fallback
  const [keyAt, labelAt, weightAt] = [column('key', 0), column('label', 1), column('weight', 2)]
  const entries: KeyEntry[] = []
  let malformed = 0
  for (const row of hasHeader ? rows.slice(1) : rows) {
    const weight = weightCell(weightAt < 0 ? undefined : row[weightAt])
    const entry = Number.isNaN(weight)
      ? undefined
      : keyEntry(row[keyAt] ?? '', labelAt < 0 ? undefined : row[labelAt], weight)
    if (entry) entries.push(entry)
    else malformed++
  }
  return { entries, malformed }
}

function jsonEntries(content: string): ParsedKeys {
  let parsed: unknown
  try {
    parsed = JSON.parse(content)
  } catch {
    throw new AppError('invalid_input', 'The file is not valid JSON')
  }
  if (!Array.isArray(parsed)) {
    throw new AppError('invalid_input', 'The JSON must be an array of keys or {key, label, weight}')
  }
  const entries: KeyEntry[] = []
  let malformed = 0
  for (const item of parsed as unknown[]) {
    const checked = jsonItemSchema.safeParse(item)
    const entry = !checked.success
      ? undefined
      : typeof checked.data === 'string'
        ? keyEntry(checked.data)
        : keyEntry(checked.data.key, checked.data.label ?? '', checked.data.weight ?? undefined)
    if (entry) entries.push(entry)
    else malformed++
  }
  return { entries, malformed }
}

/**
 * An imported file (SPEC §2.2): `.txt` as pasted text; `.csv` with an optional `key,label,weight`
 * header (any column order) or those columns by position; `.json` as an array of strings or of
 * `{key, label?, weight?}`. Throws `invalid_input` only when the file as a whole is unreadable.
 */
export function parseKeyImport(format: KeyImportFormat, content: string): ParsedKeys {
  if (format === 'csv') return csvEntries(content)
  if (format === 'json') return jsonEntries(content)
  return parseKeyLines(content)
}
