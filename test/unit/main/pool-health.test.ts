import { describe, expect, it } from 'vitest'
import {
  poolHealth,
  trayTooltip,
  ZERO_KEY_COUNTS,
  type KeyCounts,
  type PoolHealthInput,
} from '../../../src/main/pool-health'

function input(
  counts: Partial<KeyCounts>,
  traffic: Partial<Omit<PoolHealthInput, 'counts'>> = {},
): PoolHealthInput {
  const all = { ...ZERO_KEY_COUNTS, ...counts }
  const total =
    counts.total ?? all.active + all.cooling + all.exhausted + all.invalid + all.disabled
  return {
    proxyRunning: true,
    counts: { ...all, total },
    requestsLastMinute: 0,
    errorsLastMinute: 0,
    ...traffic,
  }
}

describe('poolHealth', () => {
  it.each<[string, PoolHealthInput, ReturnType<typeof poolHealth>]>([
    ['proxy stopped, healthy pool', input({ active: 5 }, { proxyRunning: false }), 'grey'],
    ['proxy stopped, empty pool', input({}, { proxyRunning: false }), 'grey'],
    ['no keys at all', input({}), 'red'],
    ['every key invalid', input({ invalid: 3 }), 'red'],
    ['every key cooling', input({ cooling: 2 }), 'red'],
    ['every key exhausted or disabled', input({ exhausted: 1, disabled: 4 }), 'red'],
    ['all active, quiet', input({ active: 12 }), 'green'],
    [
      'all active, busy, few errors',
      input({ active: 12 }, { requestsLastMinute: 100, errorsLastMinute: 5 }),
      'green',
    ],
    ['disabled keys do not matter', input({ active: 2, disabled: 3 }), 'green'],
    ['some cooling', input({ active: 3, cooling: 1 }), 'amber'],
    ['some invalid', input({ active: 12, invalid: 3 }), 'amber'],
    ['some exhausted', input({ active: 1, exhausted: 1 }), 'amber'],
    [
      'error rate above 20%',
      input({ active: 4 }, { requestsLastMinute: 50, errorsLastMinute: 11 }),
      'amber',
    ],
    [
      'error rate exactly 20%',
      input({ active: 4 }, { requestsLastMinute: 50, errorsLastMinute: 10 }),
      'green',
    ],
    [
      'too few requests to judge',
      input({ active: 4 }, { requestsLastMinute: 4, errorsLastMinute: 4 }),
      'green',
    ],
    [
      'five requests are enough',
      input({ active: 4 }, { requestsLastMinute: 5, errorsLastMinute: 2 }),
      'amber',
    ],
  ])('%s → %s', (_name, value, expected) => {
    expect(poolHealth(value)).toBe(expected)
  })

  it('takes its thresholds from the caller', () => {
    const busy = input({ active: 4 }, { requestsLastMinute: 10, errorsLastMinute: 3 })
    expect(poolHealth(busy)).toBe('amber')
    expect(poolHealth(busy, { errorRate: 0.5 })).toBe('green')
    expect(poolHealth(busy, { minRequests: 20 })).toBe('green')
  })
})

describe('trayTooltip', () => {
  it('names active keys, the non-zero other states and the rate', () => {
    expect(trayTooltip(input({ active: 12, invalid: 3 }, { requestsLastMinute: 42 }))).toBe(
      'KeyPool · 12 active · 3 invalid · 42 req/min',
    )
    expect(
      trayTooltip(
        input(
          { active: 1, cooling: 2, exhausted: 3, invalid: 4, disabled: 5 },
          { requestsLastMinute: 9, errorsLastMinute: 2 },
        ),
      ),
    ).toBe(
      'KeyPool · 1 active · 2 cooling · 3 exhausted · 4 invalid · 5 disabled · 9 req/min · 2 errors/min',
    )
  })

  it('keeps "0 active" and says when the proxy is stopped', () => {
    expect(trayTooltip(input({}))).toBe('KeyPool · 0 active · 0 req/min')
    expect(trayTooltip(input({ active: 2 }, { proxyRunning: false }))).toBe(
      'KeyPool · proxy stopped · 2 active',
    )
  })
})
