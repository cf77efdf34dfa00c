// `npm run soak [-- --streams N --minutes M | --seconds S --seed X]`: the SECURITY R1 soak
// (test/soak) against the built server. Flags become SOAK_* variables for the test; extra
// arguments go to vitest.
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  options: {
    streams: { type: 'string' },
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
})
const env = { ...process.env }
if (values.streams) env.SOAK_STREAMS = values.streams
if (values.minutes) env.SOAK_MINUTES = values.minutes
if (values.seconds) env.SOAK_SECONDS = values.seconds
if (values.seed) env.SOAK_SEED = values.seed
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'test/soak/vitest.config.ts', ...positionals],
  { stdio: 'inherit', env },
)
process.exit(result.status ?? 1)
