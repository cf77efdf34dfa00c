import { BACKUP_NAME_PATTERN, type BackupReason } from '../../shared/contract/backups'

const pad = (value: number, width = 2): string => String(value).padStart(width, '0')

/**
 * The file name of a backup made at `at` (ms, UTC) for `reason`:
 * `keypool-20261121-120000-000-scheduled.db`. The name is the backup's only metadata, so a
 * listing needs no index file that could disagree with the folder.
 */
export function backupName(at: number, reason: BackupReason): string {
  const d = new Date(at)
  const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  return `keypool-${day}-${time}-${pad(d.getUTCMilliseconds(), 3)}-${reason}.db`
}

/** When and why a backup was made, read back from its name; undefined for any other file. */
export function parseBackupName(
  name: string,
): { createdAt: number; reason: BackupReason } | undefined {
  if (!BACKUP_NAME_PATTERN.test(name)) return undefined
  const match = /^keypool-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})-(.+)\.db$/.exec(name)!
  const [year, month, day, hours, minutes, seconds, ms] = match.slice(1, 8).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const createdAt = Date.UTC(year, month - 1, day, hours, minutes, seconds, ms)
  // Reject names of impossible dates (20261341): they round-trip to a different name.
  if (Number.isNaN(createdAt) || backupName(createdAt, match[8] as BackupReason) !== name) {
    return undefined
  }
  return { createdAt, reason: match[8] as BackupReason }
}
