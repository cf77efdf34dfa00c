import fs from 'node:fs'
import path from 'node:path'

/** A small JSON file's content, or undefined when it is missing or unreadable (never throws). */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

/**
 * Writes through a temporary file and a rename, so a crash mid-write leaves the old file rather
 * than half a JSON document. Mode 0600: these files live beside the database in userData.
 */
export function writeJsonFile(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 })
  fs.renameSync(temporary, file)
}
