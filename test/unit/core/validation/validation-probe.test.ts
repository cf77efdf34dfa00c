import { describe, expect, it } from 'vitest'
import { networkErrorKind } from '../../../../src/core/pool/network-error-kind'
import { modelIds } from '../../../../src/core/validation/validation-probe'

describe('modelIds', () => {
  it("reads OpenAI's {data:[{id}]}, deduplicated, keeping the upstream's spelling", () => {
    const body = {
      object: 'list',
      data: [{ id: 'gpt-4o' }, { id: 'Meta/Llama-3' }, { id: 'gpt-4o' }],
    }
    expect(modelIds(body)).toEqual(['gpt-4o', 'Meta/Llama-3'])
  })

  it('answers null (unknown) for anything that is not a model list', () => {
    for (const body of [undefined, null, 'text', {}, { data: 'x' }, [1, 2]]) {
      expect(modelIds(body)).toBeNull()
    }
    expect(modelIds({ data: [{ id: 1 }, null, { id: '' }, 'x'] })).toEqual([])
  })
})

describe('networkErrorKind', () => {
  const withCode = (code: string): Error => Object.assign(new Error(code), { code })

  it('tells connect failures, timeouts and resets apart', () => {
    expect(networkErrorKind(withCode('ECONNREFUSED'))).toBe('connect')
    expect(networkErrorKind(withCode('ENOTFOUND'))).toBe('connect')
    expect(networkErrorKind(withCode('UND_ERR_CONNECT_TIMEOUT'))).toBe('timeout')
    expect(networkErrorKind(withCode('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout')
    expect(networkErrorKind(new DOMException('late', 'TimeoutError'))).toBe('timeout')
    expect(networkErrorKind(withCode('ECONNRESET'))).toBe('reset')
    expect(networkErrorKind(withCode('UND_ERR_SOCKET'))).toBe('reset')
    expect(networkErrorKind(undefined)).toBe('reset')
  })

  it('looks at the cause (fetch-style wrapping), but not forever', () => {
    expect(
      networkErrorKind(new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') })),
    ).toBe('connect')
    const loop: { cause?: unknown } = {}
    loop.cause = loop
    expect(networkErrorKind(loop)).toBe('reset')
  })
})
