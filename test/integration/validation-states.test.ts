import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { KeyPoolCore } from '../../src/core/keypool-core'
import { FakeClock } from '../support/fake-clock'
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream'
import {
  addKeys,
  closedPort,
  mockKey,
  openValidationCore,
  recordProgress,
} from './validation-fixture'

/**
 * SPEC §2.3 against the mock upstream over loopback: every row of the validation table, the
 * model list stored on 200, the paid check, and validation never counted as usage.
 */
let mock: MockUpstream
let core: KeyPoolCore | undefined

beforeAll(async () => {
  mock = await startMockUpstream()
})
afterAll(async () => {
  await mock.close()
})
afterEach(async () => {
  await core?.close(0)
  core = undefined
  mock.reset()
})

const state = (target: KeyPoolCore, id: number) => target.keys.get(id)

describe('validation: one row of SPEC §2.3 per key', () => {
  it('maps each upstream answer to its state and result, and stores the 200 model list', async () => {
    const clock = new FakeClock()
    core = openValidationCore(mock.url, { clock })
    const names = ['ok', 'revived', 'unauthorized', 'forbidden', 'quota', 'ratelimit', 'error']
    const [ok, revived, unauthorized, forbidden, quota, ratelimit, error] = await addKeys(
      core,
      names,
    )
    const down = core.providers.create({
      name: 'Down',
      baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
      enabled: true,
    })
    const [unreachable] = await addKeys(core, ['unreachable'], down.id)
    mock.setModels(mockKey('ok'), ['gpt-4o', 'gpt-4o-mini', 'Meta-Llama/Llama-3'])
    mock.script(mockKey('unauthorized'), 'unauthorized')
    mock.script(mockKey('forbidden'), 'forbidden')
    mock.script(mockKey('quota'), 'quota')
    mock.script(mockKey('ratelimit'), { kind: 'rate-limit', retryAfterSeconds: 30 })
    mock.script(mockKey('error'), 'server-error')
    core.keys.transition(revived!, 'invalid', { reason: 'a 401 yesterday', httpStatus: 401 })
    const progress = recordProgress(core)
    // Model lists are written in one transaction with each progress event, and told first.
    const told: { event: string; ids?: number[] }[] = []
    core.events.on('keys.changed', (changed) => told.push({ event: 'keys', ids: changed.ids }))
    core.events.on('validation.progress', () => told.push({ event: 'progress' }))

    const started = core.validation.start('all')
    expect(started).toMatchObject({ total: 8, joined: false })
    await core.validation.whenIdle()
    const changedIds = told.flatMap((t) => t.ids ?? [])
    expect(changedIds).toEqual(expect.arrayContaining([ok!, revived!]))
    expect(told.at(-1)?.event).toBe('progress')

    expect(state(core, ok!)).toMatchObject({
      state: 'active',
      models: ['gpt-4o', 'gpt-4o-mini', 'Meta-Llama/Llama-3'],
    })
    expect(state(core, revived!)).toMatchObject({
      state: 'active',
      stateReason: 'validation succeeded',
    })
    expect(state(core, revived!).models).toEqual(expect.arrayContaining(['gpt-4o-mini']))
    expect(state(core, unauthorized!)).toMatchObject({ state: 'invalid', models: null })
    expect(state(core, unauthorized!).stateReason).toMatch(/^validation: 401 invalid_api_key/)
    expect(state(core, forbidden!)).toMatchObject({ state: 'invalid' })
    expect(state(core, quota!)).toMatchObject({ state: 'exhausted' })
    expect(state(core, ratelimit!)).toMatchObject({
      state: 'cooling',
      cooldownUntil: new Date(clock.now() + 30_000).toISOString(),
    })
    expect(state(core, error!)).toMatchObject({ state: 'active', models: null })
    expect(state(core, unreachable!)).toMatchObject({ state: 'active', models: null })

    expect(progress.at(-1)).toEqual({
      runId: started.runId,
      total: 8,
      done: 8,
      active: 2,
      invalid: 2,
      exhausted: 1,
      cooling: 1,
      unknown: 2,
      finished: true,
      cancelled: false,
    })
    expect(core.validation.status()).toEqual(progress.at(-1))
  })

  it('records each transition once, redacted, with its HTTP status', async () => {
    core = openValidationCore(mock.url)
    const [id] = await addKeys(core, ['bad'])
    mock.script(mockKey('bad'), 'unauthorized')
    core.validation.start([id!])
    await core.validation.whenIdle()
    core.validation.start([id!])
    await core.validation.whenIdle()
    const history = core.keys.transitions(id!, 10)
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({ from: 'active', to: 'invalid', httpStatus: 401 })
    expect(JSON.stringify(history)).not.toContain(mockKey('bad'))
  })

  it('never revives a disabled key, but refreshes its model list when asked for by id', async () => {
    core = openValidationCore(mock.url)
    const [id] = await addKeys(core, ['off'])
    core.keys.setStatus(id!, 'disabled')
    expect(core.validation.start('all').total).toBe(0)
    core.validation.start([id!])
    await core.validation.whenIdle()
    expect(state(core, id!)).toMatchObject({ state: 'disabled' })
    expect(state(core, id!).models).not.toBeNull()
  })

  it('does not shorten a cooldown: a cooling key that answers 200 keeps resting', async () => {
    const clock = new FakeClock()
    core = openValidationCore(mock.url, { clock })
    const [id] = await addKeys(core, ['resting'])
    core.keys.transition(id!, 'cooling', { reason: 'rate', cooldownUntil: clock.now() + 60_000 })
    core.validation.start([id!])
    await core.validation.whenIdle()
    expect(state(core, id!)).toMatchObject({ state: 'cooling' })
    expect(core.validation.status()).toMatchObject({ active: 1, done: 1 })
  })

  it('scope "invalid" checks only invalid and exhausted keys', async () => {
    core = openValidationCore(mock.url)
    const [a, b, c] = await addKeys(core, ['a', 'b', 'c'])
    core.keys.transition(a!, 'invalid', { reason: '401' })
    core.keys.transition(b!, 'exhausted', { reason: 'quota' })
    const started = core.validation.start('invalid')
    expect(started.total).toBe(2)
    await core.validation.whenIdle()
    expect([a, b, c].map((id) => state(core!, id!).state)).toEqual(['active', 'active', 'active'])
    expect(mock.countFor(mockKey('c'))).toBe(0)
  })

  it('the paid check: a 1-token completion after the model list decides the state', async () => {
    core = openValidationCore(mock.url, {
      settings: { validation: { thorough: true, thoroughModel: 'gpt-4o-mini' } },
    })
    const [broke, fine] = await addKeys(core, ['broke', 'fine'])
    // The model list is free even without credit; the completion is not.
    mock.script(mockKey('broke'), ['ok', 'quota'])
    core.validation.start('all')
    await core.validation.whenIdle()
    expect(state(core, broke!)).toMatchObject({ state: 'exhausted' })
    expect(state(core, broke!).models).not.toBeNull()
    expect(state(core, fine!)).toMatchObject({ state: 'active' })
    const completions = mock.requests.filter((r) => r.path === '/v1/chat/completions')
    expect(completions).toHaveLength(2)
    for (const request of completions) {
      expect(JSON.parse(request.body!.toString('utf8'))).toMatchObject({
        model: 'gpt-4o-mini',
        max_tokens: 1,
      })
    }
  })

  it('the paid check cannot judge a key on a client error: the free verdict stands', async () => {
    core = openValidationCore(mock.url, { settings: { validation: { thorough: true } } })
    const [id] = await addKeys(core, ['picky'])
    core.keys.transition(id!, 'invalid', { reason: 'old' })
    mock.script(mockKey('picky'), ['ok', 'bad-request'])
    core.validation.start([id!])
    await core.validation.whenIdle()
    expect(state(core, id!)).toMatchObject({ state: 'active' })
  })

  it('is never counted as usage', async () => {
    core = openValidationCore(mock.url, { settings: { validation: { thorough: true } } })
    const ids = await addKeys(core, ['u1', 'u2', 'u3'])
    mock.script(mockKey('u2'), 'unauthorized')
    mock.script(mockKey('u3'), 'server-error')
    core.validation.start('all')
    await core.validation.whenIdle()
    for (const id of ids) {
      expect(state(core, id)).toMatchObject({
        requests: 0,
        successes: 0,
        failures: 0,
        consecutiveFailures: 0,
        tokens: 0,
        lastUsedAt: null,
        lastError: null,
      })
    }
    expect(mock.count()).toBeGreaterThanOrEqual(4)
  })

  it('sends the key as a bearer token to GET {base}/models', async () => {
    core = openValidationCore(`${mock.url}/`)
    await addKeys(core, ['header'])
    core.validation.start('all')
    await core.validation.whenIdle()
    expect(mock.requests).toHaveLength(1)
    expect(mock.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' })
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${mockKey('header')}`)
  })
})

describe('"reset all invalid" (seed feature)', () => {
  it('restores invalid and exhausted keys, and leaves cooling and disabled ones', async () => {
    core = openValidationCore(mock.url)
    const [invalid, exhausted, cooling, disabled] = await addKeys(core, ['i', 'e', 'c', 'd'])
    mock.script(mockKey('i'), 'unauthorized')
    mock.script(mockKey('e'), 'quota')
    mock.script(mockKey('c'), { kind: 'rate-limit', retryAfterSeconds: 60 })
    core.keys.setStatus(disabled!, 'disabled')
    core.validation.start('all')
    await core.validation.whenIdle()
    const answer = await core.router.call('keys.resetInvalid', {}, { transport: 'internal' })
    expect(answer).toEqual({ ok: true, data: { count: 2 } })
    expect([invalid, exhausted, cooling, disabled].map((id) => state(core!, id!).state)).toEqual([
      'active',
      'active',
      'cooling',
      'disabled',
    ])
  })
})
