import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { benchConfig } from './bench-config'
import type { BenchSections } from './bench-results'
import { judgeTargets } from './bench-targets'
import { textTable } from './text-table'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/** Read-only git facts, so two result files can be told apart; null outside a checkout. */
function gitState(): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' })
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: root,
      encoding: 'utf8',
    })
    return { commit: commit.trim(), dirty: status.trim() !== '' }
  } catch {
    return null
  }
}

/** `2026-11-21T14-03-07` — sortable, and legal in a file name on every OS. */
const stamp = (date: Date): string => date.toISOString().slice(0, 19).replace(/:/g, '-')

/**
 * The run around the benchmark files: gives each file a folder for its section, and at the end
 * merges the sections into `bench-results/<start time>.json` (with the machine, its load and the
 * commit) and prints issue 8's targets, met or missed, as one table.
 */
export default function setup(project: TestProject): () => void {
  const startedAt = new Date()
  const loadBefore = os.loadavg()
  const partsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypool-bench-parts-'))
  project.provide('benchPartsDir', partsDir)

  return () => {
    const sections: BenchSections = {}
    for (const file of fs.readdirSync(partsDir)) {
      const name = path.basename(file, '.json') as keyof BenchSections
      Object.assign(sections, {
        [name]: JSON.parse(fs.readFileSync(path.join(partsDir, file), 'utf8')),
      })
    }
    fs.rmSync(partsDir, { recursive: true, force: true })
    if (Object.keys(sections).length === 0) return

    const cpus = os.cpus()
    const result = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cpu: cpus[0]?.model ?? 'unknown',
        cores: os.availableParallelism(),
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
        node: process.version,
        loadAverageBefore: loadBefore,
        loadAverageAfter: os.loadavg(),
      },
      git: gitState(),
      quick: benchConfig.quick,
      sections,
      targets: judgeTargets(sections),
    }
    const dir = path.resolve(root, benchConfig.resultsDir)
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, `${stamp(startedAt)}.json`)
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)

    const verdict = (met: boolean | null): string => (met === null ? '–' : met ? 'met' : 'MISSED')
    console.log(
      `\nIssue 8 targets (${benchConfig.quick ? 'quick run, ' : ''}load average ` +
        `${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
        `${result.machine.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after)\n\n` +
        textTable(
          ['target', 'measured', ''],
          result.targets.map((t) => [t.target, t.measured, verdict(t.met)]),
        ) +
        `\n\nResults: ${path.relative(root, file)}\n`,
    )
  }
}
