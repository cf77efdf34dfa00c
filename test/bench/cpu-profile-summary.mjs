// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. KeyPool's `serve` child run by the
// proxy benchmark with BENCH_CPU_PROFILE_DIR set): the functions with the most self time, and the
// same time grouped by file, so a hot path shows where its time actually goes.
//   node test/bench/cpu-profile-summary.mjs <file.cpuprofile> [top=30]
// Self time of a node = samples that landed in it × the mean sampling interval. "(idle)" — the
// event loop waiting — is shown apart and left out of the percentages, which are of busy time.
// Frames in a bundle with a `.map` beside it (out/server/index.js) are shown at their source
// line (src/core/…), so the list points at the code to change.
import fs from 'node:fs'
import { SourceMap } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const [file, topArg] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: node test/bench/cpu-profile-summary.mjs <file.cpuprofile> [top]\n')
  process.exit(2)
}
const top = Number(topArg ?? 30)
const profile = JSON.parse(fs.readFileSync(file, 'utf8'))

// Samples per node id; timeDeltas[i] is the time before sample i (µs).
const samplesOf = new Map()
for (const id of profile.samples) samplesOf.set(id, (samplesOf.get(id) ?? 0) + 1)
const totalMicros = profile.endTime - profile.startTime
const microsPerSample = totalMicros / profile.samples.length

const sourceMaps = new Map()
function sourceMapOf(file) {
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`
    sourceMaps.set(
      file,
      fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))) : null,
    )
  }
  return sourceMaps.get(file)
}

/** The frame's original source position (`src/…:line`) when its bundle has a source map. */
function original(file, frame) {
  if (frame.lineNumber < 0) return null
  const entry = sourceMapOf(file)?.findEntry(frame.lineNumber, frame.columnNumber)
  if (!entry?.originalSource) return null
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : path.resolve(path.dirname(file), entry.originalSource)
  return { file: path.relative(process.cwd(), source), line: entry.originalLine + 1 }
}

const where = (frame) => {
  if (!frame.url) return ''
  const name = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url
  const mapped = frame.url.startsWith('file://') ? original(name, frame) : null
  if (mapped) return `${mapped.file}:${mapped.line}`
  const short = name.includes('/node_modules/')
    ? name.slice(name.lastIndexOf('/node_modules/') + 14)
    : path.relative(process.cwd(), name)
  return `${short}:${frame.lineNumber + 1}`
}

const keyOf = (frame) => `${frame.functionName || '(anonymous)'}  ${where(frame)}`

const byFunction = new Map()
const byFile = new Map()
let idle = 0
let busy = 0
for (const node of profile.nodes) {
  const count = samplesOf.get(node.id) ?? 0
  if (count === 0) continue
  const frame = node.callFrame
  if (frame.functionName === '(idle)') {
    idle += count
    continue
  }
  busy += count
  const key = keyOf(frame)
  byFunction.set(key, (byFunction.get(key) ?? 0) + count)
  const fileKey = frame.url ? where(frame).replace(/:\d+$/, '') : frame.functionName
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + count)
}

// Total time (self + everything it called) of the project's own functions: where a request's
// time goes, by the code that asked for it. A function counted once per sample even when it
// recurses.
const parentOf = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node)
const nodeById = new Map(profile.nodes.map((node) => [node.id, node]))
const keyCache = new Map()
const totalByFunction = new Map()
for (const [id, count] of samplesOf) {
  const seen = new Set()
  for (let node = nodeById.get(id); node; node = parentOf.get(node.id)) {
    if (node.callFrame.functionName === '(idle)') break
    let key = keyCache.get(node.id)
    if (key === undefined) {
      key = where(node.callFrame).startsWith('src/') ? keyOf(node.callFrame) : null
      keyCache.set(node.id, key)
    }
    if (key === null || seen.has(key)) continue
    seen.add(key)
    totalByFunction.set(key, (totalByFunction.get(key) ?? 0) + count)
  }
}

const ms = (count) => ((count * microsPerSample) / 1000).toFixed(0).padStart(7)
const pct = (count) => `${((count / busy) * 100).toFixed(1).padStart(5)}%`
const list = (map, limit) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, count]) => `${ms(count)} ms ${pct(count)}  ${key}`)
    .join('\n')

process.stdout.write(
  `${path.basename(file)}: ${(totalMicros / 1e6).toFixed(1)} s profiled, ` +
    `${(((busy * microsPerSample) / totalMicros) * 100).toFixed(1)}% busy, ` +
    `${((idle * microsPerSample) / 1e6).toFixed(1)} s idle, ` +
    `${profile.samples.length} samples (${microsPerSample.toFixed(0)} µs each)\n\n` +
    `Top ${top} functions by self time (% of busy time)\n${list(byFunction, top)}\n\n` +
    `By file\n${list(byFile, 20)}\n\n` +
    `Project functions (src/) by total time, self + callees (% of busy time)\n` +
    `${list(totalByFunction, top)}\n`,
)
