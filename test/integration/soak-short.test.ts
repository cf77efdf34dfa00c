import fs from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { BUILT_SERVER_ENTRY, killAllServeChildren } from '../support/serve-child'
import { tempDir } from '../support/temp-dir'
import { CI_SOAK } from '../soak/soak-options'
import { formatSoakReport } from '../soak/soak-report'
import { runSoak } from '../soak/soak-run'

/**
 * SECURITY R1 at CI size: the soak's code (test/soak) with 100 streams for 20 s, so every
 * `vitest run` exercises resets, delays, 401/429/500, client aborts, the quota and key-state
 * checks and the leak check. `npm run soak` runs it as written (500 streams, 10 minutes).
 */
const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31))

afterAll(() => killAllServeChildren())

describe.skipIf(!fs.existsSync(BUILT_SERVER_ENTRY) || process.platform !== 'linux')(
  'R1 soak, CI size',
  () => {
    it(`${CI_SOAK.streams} streams for ${CI_SOAK.durationMs / 1000} s`, async () => {
      const report = await runSoak({ ...CI_SOAK, seed }, tempDir('keypool-soak-'), () => {})
      console.log(formatSoakReport(report))
      expect(report.problems).toEqual([])
    }, 60_000)
  },
)
