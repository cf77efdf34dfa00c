import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EventBus } from '../../../../src/core/events/event-bus'
import { DATABASE_FILE_NAME, KeyPoolCore } from '../../../../src/core/keypool-core'
import { silentLogger } from '../../../../src/core/logger'
import { KeyStateService } from '../../../../src/core/services/key-state-service'
import { closeDatabase, openDatabase } from '../../../../src/core/store/database'
import { KeyRepository } from '../../../../src/core/store/key-repository'
import { KeyTransitionRepository } from '../../../../src/core/store/key-transition-repository'
import { FakeClock } from '../../../support/fake-clock'
import { tempDir } from '../../../support/temp-dir'

let core: KeyPoolCore | undefined
afterEach(async () => {
  await core?.close(0)
  core = undefined
})

/** No validation on add or on a schedule: these tests never reach an upstream. */
const offline = (target: KeyPoolCore): KeyPoolCore => {
  target.settings.update({ validation: { onAdd: false, scheduleMinutes: 0 } })
  return target
}

const countTransitions = (target: KeyPoolCore, id: number): number =>
  (
    target.database
      .prepare('SELECT count(*) AS n FROM key_state_transitions WHERE key_id = ?')
      .get(id) as { n: number }
  ).n

describe('KeyStateService.transition', () => {
  it('records a transition exactly once when 100 concurrent callers attempt it', async () => {
    core = offline(
      KeyPoolCore.open({ dataDir: tempDir(), logger: silentLogger, clock: new FakeClock() }),
    )
    core.keys.bulkAdd({ keys: 'sk-concurrent-000000000000000000001' })
    const changes: unknown[] = []
    core.events.on('key.stateChanged', (change) => changes.push(change))
    const opened = core
    const attempts = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i % 7))
        return opened.keys.transition(1, 'invalid', {
          reason: 'HTTP 401',
          httpStatus: 401,
          ...(i % 2 === 0 && { expectedFrom: 'active' as const }),
        })
      }),
    )
    expect(attempts.filter(Boolean)).toHaveLength(1)
    expect(countTransitions(core, 1)).toBe(1)
    expect(changes).toEqual([
      {
        id: 1,
        providerId: 1,
        from: 'active',
        to: 'invalid',
        reason: 'HTTP 401',
        cooldownUntil: null,
      },
    ])
  })

  it('applies a transition only from the state the caller expected', () => {
    core = offline(KeyPoolCore.open({ dataDir: tempDir(), logger: silentLogger }))
    core.keys.bulkAdd({ keys: 'sk-expected-0000000000000000000001' })
    expect(
      core.keys.transition(1, 'active', { reason: 'x', expectedFrom: 'invalid' }),
    ).toBeUndefined()
    expect(core.keys.transition(1, 'active', { reason: 'x' })).toBeUndefined()
    expect(core.keys.transition(9, 'invalid', { reason: 'x' })).toBeUndefined()
    expect(core.keys.transition(1, 'cooling', { reason: 'x', cooldownUntil: 5 })).toMatchObject({
      from: 'active',
      to: 'cooling',
      cooldownUntil: 5,
    })
    expect(core.keys.transition(1, 'invalid', { reason: 'x', cooldownUntil: 5 })).toMatchObject({
      cooldownUntil: null,
    })
    expect(core.keys.get(1).cooldownUntil).toBeNull()
  })

  it('records once even across two connections racing on the same database file', async () => {
    const dataDir = tempDir()
    core = offline(KeyPoolCore.open({ dataDir, logger: silentLogger }))
    core.keys.bulkAdd({ keys: 'sk-two-writers-00000000000000000001' })
    const second = openDatabase(path.join(dataDir, DATABASE_FILE_NAME))
    const other = new KeyStateService(
      new KeyRepository(second),
      new KeyTransitionRepository(second),
      new EventBus(),
      new FakeClock(),
    )
    const details = { reason: 'HTTP 401', expectedFrom: 'active' as const }
    const results = [
      other.transition(1, 'invalid', details),
      core.keys.transition(1, 'invalid', details),
    ]
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(countTransitions(core, 1)).toBe(1)
    closeDatabase(second)
  })

  it('announces a large batch with one keys.changed and no per-key events', () => {
    core = offline(KeyPoolCore.open({ dataDir: tempDir(), logger: silentLogger }))
    const text = Array.from({ length: 150 }, (_, i) => `sk-batch-${String(i).padStart(24, '0')}`)
    core.keys.bulkAdd({ keys: text.join('\n') })
    const names: string[] = []
    core.events.onAny((name) => names.push(name))
    const ids = Array.from({ length: 150 }, (_, i) => i + 1)
    expect(core.keys.setStatusMany(ids, 'disabled')).toEqual({ changed: 150 })
    expect(names).toEqual(['keys.changed'])
  })
})
