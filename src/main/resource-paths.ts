import path from 'node:path'

/**
 * The folder holding `resources/` (tray icons, window icon). electron-builder copies it beside the
 * asar (`extraResources`) because the OS tray reads icon files by path; in development it is the
 * project's own folder, two levels above `out/main/`.
 */
export function resourcesDir(isPackaged: boolean, processResourcesPath?: string): string {
  if (isPackaged && processResourcesPath) return path.join(processResourcesPath, 'resources')
  return path.resolve(import.meta.dirname, '../../resources')
}
