import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RecordedRequest } from '../../support/mock-upstream'
import { CI_SOAK } from '../../soak/soak-options'
import { SoakScript } from '../../soak/soak-script'
import { explainOutcome, type ClientResult } from '../../soak/soak-verdict'

const noKey: ClientResult = {
  status: 503,
  errorCode: 'no_available_key',
  abortedByClient: null,
  sawDone: false,
  sawErrorEvent: false,
  contentOk: false,
  networkError: null,
}

/**
 * A script whose draws are given in order. Each attempt takes three: its kind (0.095 is a 429:
 * past reset 0.05 and server error +0.04, inside rate limit +0.02), then its pacing.
 */
function scripted(draws: number[]) {
  const script = new SoakScript(
    { ...CI_SOAK, seed: 1 },
    () => draws.shift() ?? 0.5,
    () => {},
  )
  const steady = ['sk-a', 'sk-b'].map((secret) => script.picker({ secret, role: 'steady' }))
  let id = 0
  const attempt = (key: number) =>
    steady[key]!({ headers: { 'x-soak-id': String(++id) } } as unknown as RecordedRequest)
  return { script, attempt }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the soak verdict', () => {
  it('a no_available_key before any attempt is the proxy’s fault, unless every key rested', () => {
    expect(explainOutcome(noKey, []).explained).toBe(false)
    expect(explainOutcome(noKey, [], true)).toEqual({
      cause: 'every usable key resting after a 429 (503 no_available_key)',
      explained: true,
    })
    // Another error is not excused by resting keys.
    expect(explainOutcome({ ...noKey, errorCode: 'internal_error' }, [], true).explained).toBe(
      false,
    )
  })

  it('finds every key resting only when each answered a 429 within its rest', () => {
    vi.useFakeTimers({ now: 100_000 })
    const { script, attempt } = scripted([0.095, 0, 0, 0.9, 0, 0, 0.095, 0, 0])
    attempt(0) // sk-a: 429 at 100,000
    attempt(1) // sk-b: streams
    expect(script.allResting(100_100, 100_200)).toBe(false)
    vi.setSystemTime(100_500)
    attempt(1) // sk-b: 429 at 100,500
    expect(script.allResting(100_600, 100_700)).toBe(true)
    // Two seconds on, sk-a's rest is long over.
    expect(script.allResting(102_100, 102_200)).toBe(false)
  })
})
