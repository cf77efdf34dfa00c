import { describe, expect, it } from 'vitest'
import {
  classifyNetworkError,
  classifyUpstreamResponse,
  type UpstreamOutcome,
} from '../../../../src/core/pool/classify-upstream-response'
import type { KeyEvent } from '../../../../src/core/pool/key-event'
import { decideKeyState } from '../../../../src/core/pool/key-state-machine'
import type { KeyStatus } from '../../../../src/core/pool/pool-key'
import { keyStates, type KeyState } from '../../../../src/shared/key-state'
import { FakeClock } from '../../../support/fake-clock'

const clock = new FakeClock()
const now = clock.now()
const settings = { cooldownBaseMs: 5_000, cooldownMaxMs: 600_000 }

const response = (status: number, body?: unknown, headers?: Record<string, string>) =>
  classifyUpstreamResponse(status, headers, body, now)
const outcomes: Record<string, UpstreamOutcome> = {
  ok: response(200),
  unauthorized: response(401, { error: { code: 'invalid_api_key', message: 'Incorrect API key' } }),
  forbidden: response(403, { error: { code: 'account_deactivated', message: 'deactivated' } }),
  quota: response(429, { error: { code: 'insufficient_quota', type: 'insufficient_quota' } }),
  rateLimit: response(429, { error: { code: 'rate_limit_exceeded' } }, { 'retry-after': '30' }),
  badRequest: response(400),
  notFound: response(404),
  tooLarge: response(413),
  unprocessable: response(422),
  serverError: response(500),
  badGateway: response(502),
  timeout: classifyNetworkError('timeout'),
  connect: classifyNetworkError('connect'),
  reset: classifyNetworkError('reset'),
}
const traffic = (name: string): KeyEvent => ({ source: 'traffic', outcome: outcomes[name]! })
const validation = (name: string): KeyEvent => ({ source: 'validation', outcome: outcomes[name]! })
const key = (state: KeyState, fields: Partial<KeyStatus> = {}): KeyStatus => ({
  state,
  cooldownUntil: state === 'cooling' ? now + 10_000 : null,
  consecutiveFailures: 0,
  ...fields,
})
const decide = (status: KeyStatus, event: KeyEvent, at = now) =>
  decideKeyState(status, event, { now: at, settings })

describe('SPEC §2.1 — active', () => {
  it.each([
    ['unauthorized', 'invalid'],
    ['forbidden', 'invalid'],
    ['quota', 'exhausted'],
    ['rateLimit', 'cooling'],
  ])('traffic %s → %s, counted, retried on another key', (outcome, to) => {
    expect(decide(key('active'), traffic(outcome))).toMatchObject({
      changed: true,
      from: 'active',
      to,
      countsAsFailure: true,
      retryOtherKey: true,
    })
  })

  it('keeps the upstream reason, redacted, and the status', () => {
    const decision = decide(key('active'), traffic('unauthorized'))
    expect(decision).toMatchObject({
      reason: '401 invalid_api_key: Incorrect API key',
      status: 401,
    })
  })

  it('a success keeps it active and resets consecutive failures', () => {
    expect(decide(key('active', { consecutiveFailures: 4 }), traffic('ok'))).toEqual({
      changed: false,
      reason: 'HTTP 200',
      status: 200,
      countsAsFailure: false,
      resetsFailures: true,
      retryOtherKey: false,
    })
  })

  it('the user disables it', () => {
    expect(decide(key('active'), { source: 'user', action: 'disable' })).toMatchObject({
      changed: true,
      to: 'disabled',
      reason: 'disabled by the user',
    })
  })
})

describe('SPEC §2.1 — cooling', () => {
  it('a 429 rests for Retry-After', () => {
    expect(decide(key('active'), traffic('rateLimit'))).toMatchObject({
      cooldownUntil: now + 30_000,
    })
  })

  it('without a hint, rests 5 s × 2^(n-1) by consecutive failures, capped', () => {
    const bare = { source: 'traffic', outcome: response(429) } as const
    const rest = (n: number) => decide(key('active', { consecutiveFailures: n }), bare)
    expect(rest(0)).toMatchObject({ to: 'cooling', cooldownUntil: now + 5_000 })
    expect(rest(1)).toMatchObject({ cooldownUntil: now + 10_000 })
    expect(rest(3)).toMatchObject({ cooldownUntil: now + 40_000 })
    expect(rest(50)).toMatchObject({ cooldownUntil: now + 600_000 })
  })

  it('an upstream hint longer than the cap is capped', () => {
    const long = {
      source: 'traffic',
      outcome: response(429, undefined, { 'retry-after': '86400' }),
    }
    expect(decide(key('active'), long as KeyEvent)).toMatchObject({ cooldownUntil: now + 600_000 })
  })

  it('leaves by time passing: the clock flips it back once the cooldown is over', () => {
    const cooling = key('cooling', { cooldownUntil: now + 1_000 })
    expect(decide(cooling, { source: 'clock' }, now + 999).changed).toBe(false)
    expect(decide(cooling, { source: 'clock' }, now + 1_000)).toMatchObject({
      changed: true,
      from: 'cooling',
      to: 'active',
      reason: 'cooldown ended',
      cooldownUntil: null,
    })
  })

  it('a success flips it back only once the cooldown is over', () => {
    const cooling = key('cooling', { cooldownUntil: now + 1_000 })
    expect(decide(cooling, traffic('ok'))).toMatchObject({ changed: false, resetsFailures: true })
    expect(decide(cooling, traffic('ok'), now + 1_000)).toMatchObject({
      changed: true,
      to: 'active',
    })
  })

  it('another 429 from a request in flight changes nothing (no second record)', () => {
    expect(decide(key('cooling'), traffic('rateLimit'))).toMatchObject({
      changed: false,
      countsAsFailure: true,
      retryOtherKey: true,
    })
  })

  it('a 401 or a quota error from a request in flight still marks it dead', () => {
    expect(decide(key('cooling'), traffic('unauthorized'))).toMatchObject({
      to: 'invalid',
      cooldownUntil: null,
    })
    expect(decide(key('cooling'), traffic('quota'))).toMatchObject({ to: 'exhausted' })
  })

  it('validation does not cut a cooldown short', () => {
    expect(decide(key('cooling'), validation('ok')).changed).toBe(false)
    expect(decide(key('cooling'), validation('ok'), now + 10_000)).toMatchObject({ to: 'active' })
  })
})

describe.each(['exhausted', 'invalid'] as const)('SPEC §2.1 — %s', (state) => {
  it('traffic never revives it (answers to requests sent before it died)', () => {
    for (const name of Object.keys(outcomes)) {
      expect(decide(key(state), traffic(name)).changed).toBe(false)
    }
  })

  it('a successful re-check makes it active, without counting as usage', () => {
    expect(decide(key(state), validation('ok'))).toEqual({
      changed: true,
      from: state,
      to: 'active',
      reason: 'validation succeeded',
      status: 200,
      cooldownUntil: null,
      countsAsFailure: false,
      resetsFailures: false,
      retryOtherKey: false,
    })
  })

  it.each(['enable', 'reset'] as const)('the user can %s it', (action) => {
    expect(decide(key(state), { source: 'user', action })).toMatchObject({
      changed: true,
      to: 'active',
      resetsFailures: true,
    })
  })

  it('the clock leaves it alone', () => {
    expect(decide(key(state), { source: 'clock' }, now + 1e9).changed).toBe(false)
  })
})

describe('SPEC §2.3 — validation results', () => {
  it.each([
    ['unauthorized', 'active', 'invalid'],
    ['forbidden', 'exhausted', 'invalid'],
    ['quota', 'invalid', 'exhausted'],
    ['rateLimit', 'invalid', 'cooling'],
    ['ok', 'exhausted', 'active'],
  ])('%s moves %s → %s', (outcome, from, to) => {
    expect(decide(key(from as KeyState), validation(outcome))).toMatchObject({ changed: true, to })
  })

  it.each(['serverError', 'badGateway', 'timeout', 'connect', 'reset', 'notFound'])(
    '%s leaves every state unchanged, result unknown, never counted',
    (outcome) => {
      for (const state of keyStates) {
        expect(decide(key(state), validation(outcome))).toMatchObject({
          changed: false,
          reason: expect.stringMatching(/^validation unknown: /),
          countsAsFailure: false,
          retryOtherKey: false,
        })
      }
    },
  )
})

describe('SPEC §2.1 — disabled', () => {
  it('is left by the user only', () => {
    const disabled = key('disabled')
    for (const name of Object.keys(outcomes)) {
      expect(decide(disabled, traffic(name)).changed).toBe(false)
      expect(decide(disabled, validation(name)).changed).toBe(false)
    }
    expect(decide(disabled, { source: 'clock' }, now + 1e9).changed).toBe(false)
    expect(decide(disabled, { source: 'user', action: 'reset' }).changed).toBe(false)
    expect(decide(disabled, { source: 'user', action: 'disable' }).changed).toBe(false)
    expect(decide(disabled, { source: 'user', action: 'enable' })).toMatchObject({
      changed: true,
      to: 'active',
      reason: 'enabled by the user',
    })
  })
})

describe('user actions', () => {
  it('enable clears a cooldown; reset leaves resting and healthy keys alone', () => {
    expect(decide(key('cooling'), { source: 'user', action: 'enable' })).toMatchObject({
      to: 'active',
      cooldownUntil: null,
    })
    expect(decide(key('cooling'), { source: 'user', action: 'reset' }).changed).toBe(false)
    expect(decide(key('active'), { source: 'user', action: 'reset' }).changed).toBe(false)
    expect(decide(key('active'), { source: 'user', action: 'enable' }).changed).toBe(false)
  })

  it.each(keyStates.filter((state) => state !== 'disabled'))('disable works from %s', (state) => {
    expect(decide(key(state), { source: 'user', action: 'disable' })).toMatchObject({
      to: 'disabled',
      cooldownUntil: null,
    })
  })
})

describe('errors that are not the key’s fault', () => {
  it.each(['badRequest', 'notFound', 'tooLarge', 'unprocessable'])(
    'client error %s never counts and is never retried',
    (name) => {
      for (const state of keyStates) {
        expect(decide(key(state), traffic(name))).toMatchObject({
          changed: false,
          countsAsFailure: false,
          resetsFailures: false,
          retryOtherKey: false,
        })
      }
    },
  )

  it.each(['serverError', 'badGateway', 'timeout', 'connect', 'reset'])(
    '%s never changes the state but counts and moves to another key',
    (name) => {
      for (const state of keyStates) {
        expect(decide(key(state), traffic(name))).toMatchObject({
          changed: false,
          countsAsFailure: true,
          retryOtherKey: true,
        })
      }
    },
  )
})

describe('reasons', () => {
  it('say what the upstream said when validation confirms the state', () => {
    expect(decide(key('invalid'), validation('unauthorized'))).toMatchObject({
      changed: false,
      reason: '401 invalid_api_key: Incorrect API key',
    })
    expect(decide(key('active'), validation('ok'))).toMatchObject({
      changed: false,
      reason: 'HTTP 200',
    })
  })
})
