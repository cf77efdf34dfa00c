import type { Migration } from '../migration'
import { initialMigration } from './001-initial'

/** Every schema migration in order. Append only: a shipped migration never changes. */
export const migrations: readonly Migration[] = [initialMigration]
