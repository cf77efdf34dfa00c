import fs from 'node:fs'

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]

/**
 * The browser the e2e tests drive: $CHROMIUM_PATH, else a system Chromium or Chrome.
 * Playwright's own browser download is never used (these machines cannot reach it).
 */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return fromEnv
  const found = CANDIDATES.find((candidate) => fs.existsSync(candidate))
  if (!found) {
    throw new Error(
      'No Chromium found for the end-to-end tests. Install one (Debian: apt-get install chromium) ' +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    )
  }
  return found
}
