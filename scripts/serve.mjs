// `npm run serve [-- options]`: runs KeyPool headless, building it first when the build is
// missing or older than the sources, so the second start is immediate.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const entry = path.join(root, 'out/server/index.js')
const ui = path.join(root, 'out/renderer/index.html')

function newestMtime(dir) {
  let newest = 0
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name)
    newest = Math.max(newest, item.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

const built = fs.existsSync(entry) && fs.existsSync(ui)
const stale = built && newestMtime(path.join(root, 'src')) > fs.statSync(entry).mtimeMs
if (!built || stale) {
  process.stderr.write(`KeyPool: ${built ? 'sources changed' : 'first run'}, building…\n`)
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: false })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
await import(pathToFileURL(entry).href)
