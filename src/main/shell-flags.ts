import { readJsonFile, writeJsonFile } from './json-file'

export const SHELL_FLAGS_FILE_NAME = 'shell-flags.json'

/**
 * One-time facts about the desktop shell that are not user settings (so not in the contract):
 * kept in a small file in userData beside the database.
 */
export interface ShellFlags {
  /** The "KeyPool keeps running in the tray" notice was shown (SPEC §7: told once). */
  trayNoticeShown: boolean
}

export function readShellFlags(file: string): ShellFlags {
  const raw = readJsonFile(file)
  const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {}
  return { trayNoticeShown: value.trayNoticeShown === true }
}

export function writeShellFlags(file: string, flags: ShellFlags): void {
  writeJsonFile(file, flags)
}
