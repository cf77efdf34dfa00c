import type { BackupService } from '../backup/backup-service'
import type { OperationHandlers } from '../router/operation-router'

export const backupHandlers = (
  backups: BackupService,
): Pick<
  OperationHandlers,
  'backups.list' | 'backups.create' | 'backups.restore' | 'backups.delete'
> => ({
  'backups.list': () => backups.list(),
  'backups.create': () => backups.create('manual'),
  'backups.restore': ({ name }) => backups.restore(name),
  'backups.delete': ({ name }) => backups.delete(name),
})
