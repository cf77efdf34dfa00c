import { describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../../src/core/errors'
import { silentLogger } from '../../../../src/core/logger'
import {
  OperationRouter,
  type OperationHandlers,
} from '../../../../src/core/router/operation-router'
import { defaultSettings } from '../../../../src/shared/contract'

function routerWith(overrides: Partial<OperationHandlers>, logger = silentLogger): OperationRouter {
  const unused = () => {
    throw new Error('not used in this test')
  }
  const handlers = new Proxy(overrides, {
    get: (target, name: string) => target[name as keyof OperationHandlers] ?? unused,
  }) as OperationHandlers
  return new OperationRouter(handlers, logger)
}

describe('OperationRouter', () => {
  it('answers {ok:true,data} with the validated output', async () => {
    const router = routerWith({ 'settings.get': () => defaultSettings })
    await expect(
      router.call('settings.get', undefined, { transport: 'internal' }),
    ).resolves.toEqual({
      ok: true,
      data: defaultSettings,
    })
  })

  it('rejects unknown operations and never calls a handler for invalid input', async () => {
    const update = vi.fn()
    const router = routerWith({ 'settings.update': update })
    expect(await router.call('nope', {}, { transport: 'internal' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_operation' },
    })
    expect(await router.call('__proto__', {}, { transport: 'internal' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_operation' },
    })
    const invalid = await router.call(
      'settings.update',
      { proxy: { port: 70_000 }, extra: true },
      { transport: 'internal' },
    )
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(invalid.ok === false && invalid.error.issues?.map((i) => i.path)).toEqual(
      expect.arrayContaining(['proxy.port', '']),
    )
    expect(update).not.toHaveBeenCalled()
  })

  it('does not echo rejected input values back in errors', async () => {
    const router = routerWith({})
    const secret = 'sk-secret-value-that-must-not-echo'
    const result = await router.call(
      'providers.create',
      { name: secret, baseUrl: secret },
      { transport: 'internal' },
    )
    expect(JSON.stringify(result)).not.toContain(secret)
  })

  it('names unknown fields that look like field names, never ones that may be secrets', async () => {
    const router = routerWith({})
    const secret = 'sk-proj-abc123secretvalue0001'
    const result = await router.call(
      'providers.create',
      { name: 'A', baseUrl: 'http://127.0.0.1:9/v1', nmae: 'typo', [secret]: 'label' },
      { transport: 'internal' },
    )
    expect(JSON.stringify(result)).not.toContain(secret)
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_input',
        issues: [{ path: '', message: 'Unrecognized fields: "nmae", 1 other not shown' }],
      },
    })
  })

  it('answers not_found when the store refuses a reference to a missing record', async () => {
    const router = routerWith({
      'providers.delete': () => {
        throw Object.assign(new Error('FOREIGN KEY constraint failed'), {
          code: 'SQLITE_CONSTRAINT_FOREIGNKEY',
        })
      },
    })
    expect(await router.call('providers.delete', { id: 1 }, { transport: 'internal' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'A record this input refers to does not exist' },
    })
  })

  it('turns AppError into its code and any other error into a generic internal_error', async () => {
    const router = routerWith({
      'providers.delete': () => {
        throw new AppError('conflict', 'last one')
      },
      'providers.list': () => {
        throw new Error('SQLITE_CORRUPT: sk-live-should-not-leak')
      },
    })
    expect(await router.call('providers.delete', { id: 1 }, { transport: 'internal' })).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'last one' },
    })
    const internal = await router.call('providers.list', {}, { transport: 'internal' })
    expect(internal).toEqual({
      ok: false,
      error: { code: 'internal_error', message: 'The operation failed' },
    })
  })

  it('strips output fields the contract does not declare', async () => {
    const router = routerWith({
      'providers.list': () =>
        [{ id: 1, name: 'A', baseUrl: 'http://a', enabled: true, secret: 'x' }] as never,
    })
    const result = await router.call('providers.list', {}, { transport: 'internal' })
    expect(result).toEqual({
      ok: true,
      data: [{ id: 1, name: 'A', baseUrl: 'http://a', enabled: true }],
    })
  })

  it('reports output that breaks the contract as internal_error', async () => {
    const error = vi.fn()
    const router = routerWith(
      { 'settings.get': () => ({ wrong: true }) as never },
      { ...silentLogger, error },
    )
    expect(await router.call('settings.get', {}, { transport: 'internal' })).toMatchObject({
      ok: false,
      error: { code: 'internal_error' },
    })
    expect(error).toHaveBeenCalledOnce()
  })
})
