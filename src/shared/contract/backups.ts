import { z } from 'zod'
import { deletedSchema, emptyInputSchema, isoDateTimeSchema } from './common'
import { defineOperation } from './operation'

/** Why a backup exists: made on request, by the schedule, or just before a restore. */
export const backupReasons = ['manual', 'scheduled', 'pre-restore'] as const
export const backupReasonSchema = z.enum(backupReasons)
export type BackupReason = z.infer<typeof backupReasonSchema>

/**
 * The only names the backup service writes: `keypool-<UTC yyyymmdd-hhmmss-mmm>-<reason>.db`.
 * Operations accept nothing else, so a name can never climb out of the backups folder
 * (no separators, no dots but the extension's).
 */
export const BACKUP_NAME_PATTERN =
  /^keypool-\d{8}-\d{6}-\d{3}-(?:manual|scheduled|pre-restore)\.db$/

export const backupNameSchema = z
  .string()
  .max(64)
  .regex(BACKUP_NAME_PATTERN, 'a backup name as listed by backups.list')

export const backupEntrySchema = z.object({
  name: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: isoDateTimeSchema,
  reason: backupReasonSchema,
})

export type BackupEntry = z.infer<typeof backupEntrySchema>

export const backupRestoreResultSchema = z.object({
  /** The backup whose data is live now. */
  restoredFrom: z.string(),
  /** The copy of the data as it was just before the restore (a `pre-restore` backup). */
  safetyBackup: z.string(),
})

export type BackupRestoreResult = z.infer<typeof backupRestoreResultSchema>

export const backupOperations = {
  'backups.list': defineOperation({
    method: 'GET',
    path: '/api/backups',
    summary: 'List the backups in the data folder, newest first',
    input: emptyInputSchema,
    output: z.array(backupEntrySchema),
  }),
  'backups.create': defineOperation({
    method: 'POST',
    path: '/api/backups',
    summary: 'Back up the database now (verified; upstream keys stay encrypted)',
    input: emptyInputSchema,
    output: backupEntrySchema,
  }),
  'backups.restore': defineOperation({
    method: 'POST',
    path: '/api/backups/{name}/restore',
    summary:
      'Replace the live data with a verified backup; a safety copy of the live data is made first',
    input: z.strictObject({ name: backupNameSchema }),
    output: backupRestoreResultSchema,
  }),
  'backups.delete': defineOperation({
    method: 'DELETE',
    path: '/api/backups/{name}',
    summary: 'Delete one backup file',
    input: z.strictObject({ name: backupNameSchema }),
    output: deletedSchema,
  }),
}
