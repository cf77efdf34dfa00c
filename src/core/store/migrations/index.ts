import type { Migration } from '../migration'
import { initialMigration } from './001-initial'
import { upstreamKeysMigration } from './002-upstream-keys'
import { subKeysMigration } from './003-sub-keys'
import { requestLogMigration } from './004-request-log'
import { leanRequestLogIndexesMigration } from './005-lean-request-log-indexes'
import { dropRequestLogKeyIndexMigration } from './006-drop-request-log-key-index'

/** Every schema migration in order. Append only: a shipped migration never changes. */
export const migrations: readonly Migration[] = [
  initialMigration,
  upstreamKeysMigration,
  subKeysMigration,
  requestLogMigration,
  leanRequestLogIndexesMigration,
  dropRequestLogKeyIndexMigration,
]
