import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../..')
// electron-builder's own YAML parser: the same reading of electron-builder.yml it will do.
const yaml = createRequire(path.join(root, 'node_modules/electron-builder/package.json'))(
  'js-yaml',
) as { load(text: string): unknown }

const load = (file: string): Record<string, unknown> =>
  yaml.load(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>

interface Workflow {
  on: Record<string, unknown>
  jobs: Record<
    string,
    {
      strategy: { matrix: { include: { os: string }[] } }
      steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[]
    }
  >
}

describe('the CI workflow', () => {
  const workflow = load('.github/workflows/ci.yml') as unknown as Workflow
  const job = workflow.jobs.test!
  const runs = job.steps.map((step) => step.run ?? '').join('\n')

  it('runs on push and pull requests on all three OSes', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']))
    expect(job.strategy.matrix.include.map((entry) => entry.os)).toEqual([
      'ubuntu-latest',
      'windows-latest',
      'macos-latest',
    ])
  })

  it('tests, runs the Electron smoke test (xvfb on Linux) and builds installers', () => {
    const setupNode = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'))
    expect(setupNode?.with?.['node-version']).toBe(24)
    for (const command of ['npm ci', 'npm run lint', 'npm run typecheck', 'npm test']) {
      expect(runs).toContain(command)
    }
    expect(runs).toContain('xvfb-run -a npx playwright test test/e2e/electron-smoke.spec.ts')
    expect(runs.indexOf('npx install-electron')).toBeGreaterThan(runs.indexOf('npm test'))
    expect(runs).toContain('npx electron-builder --publish never')
    expect(job.steps.some((step) => step.uses?.startsWith('actions/upload-artifact@'))).toBe(true)
  })
})

describe('electron-builder.yml', () => {
  const config = load('electron-builder.yml')

  it('targets AppImage + deb, NSIS and dmg, with the icons in build/', () => {
    expect(config).toMatchObject({
      directories: { buildResources: 'build' },
      linux: { target: ['AppImage', 'deb'] },
      win: { target: ['nsis'] },
      mac: { target: ['dmg'] },
    })
    expect(fs.existsSync(path.join(root, 'build/icon.png'))).toBe(true)
  })

  it('ships resources/ (tray icons) outside the asar and unpacks better-sqlite3', () => {
    expect(config.extraResources).toEqual([
      { from: 'resources', to: 'resources', filter: ['**/*'] },
    ])
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**')
  })

  it('sets the E4 fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    })
  })
})
