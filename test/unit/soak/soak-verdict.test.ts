import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RecordedRequest } from '../../support/mock-upstream'
import { CI_SOAK } from '../../soak/soak-options'
import { type KeyPlan, SoakScript } from '../../soak/soak-script'
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
function scripted(draws: number[], others: KeyPlan[] = []) {
  const script = new SoakScript(
    { ...CI_SOAK, seed: 1 },
    () => draws.shift() ?? 0.5,
    () => {},
  )
  const plans: KeyPlan[] = [
    { secret: 'sk-a', role: 'steady' },
    { secret: 'sk-b', role: 'steady' },
    ...others,
  ]
  const pickers = plans.map((plan) => script.picker(plan))
  let id = 0
  const attempt = (key: number) =>
    pickers[key]!({ headers: { 'x-soak-id': String(++id) } } as unknown as RecordedRequest)
  return { script, attempt }
}

/** Draws for one attempt: a 429, a plain stream, or (past its revocation) a 401. */
const RATE_LIMIT = [0.095, 0, 0]
const STREAM = [0.9, 0, 0]
const UNAUTHORIZED = [0, 0]

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
  it('does not wait for a revoked key once it answered 401', () => {
    vi.useFakeTimers({ now: 100_000 })
    const { script, attempt } = scripted(
      [...STREAM, ...UNAUTHORIZED, ...RATE_LIMIT, ...RATE_LIMIT],
      [{ secret: 'sk-revoked', role: 'revoked', revokeAtMs: 1_000 }],
    )
    script.start(99_000)
    vi.setSystemTime(99_500)
    attempt(2) // sk-revoked streams, before its revocation
    vi.setSystemTime(100_000)
    attempt(2) // sk-revoked: 401, invalid from here on
    vi.setSystemTime(100_500)
    attempt(0) // sk-a: 429
    attempt(1) // sk-b: 429
    expect(script.allResting(100_600, 100_700)).toBe(true)
    // Before its 401 it was the pool's, and it never rested.
    expect(script.allResting(99_600, 99_700)).toBe(false)
  })

  it('does not wait for a key while the admin API has it disabled', () => {
    vi.useFakeTimers({ now: 100_000 })
    const { script, attempt } = scripted(
      [...STREAM, ...RATE_LIMIT, ...RATE_LIMIT, ...RATE_LIMIT, ...RATE_LIMIT],
      [{ secret: 'sk-off', role: 'reenabled' }],
    )
    attempt(2) // sk-off streams
    script.disabling('sk-off', 100_100)
    vi.setSystemTime(100_500)
    attempt(0)
    attempt(1)
    expect(script.allResting(100_600, 100_700)).toBe(true)
    script.enabled('sk-off', 101_000)
    vi.setSystemTime(101_300)
    attempt(0)
    attempt(1)
    // Enabled again and not resting: the proxy should have used it.
    expect(script.allResting(101_400, 101_500)).toBe(false)
  })
})
