import { describe, expect, it } from 'vitest'
import { pathOf, routeOf } from '../../../../src/core/proxy/route-path'

describe('route-path', () => {
  it.each([
    ['/v1/chat/completions', '/v1/chat/completions'],
    ['/v1/models?limit=5', '/v1/models'],
    ['/v1/models#part?x', '/v1/models'],
    ['/v1/files/a?b#c', '/v1/files/a'],
    ['?only', ''],
    ['', ''],
  ])('the path of %j is %j', (target, path) => {
    expect(pathOf(target)).toBe(path)
  })

  it('names a route without query, trailing slashes or case', () => {
    expect(routeOf('/V1/Chat/Completions//?x=1')).toBe('/v1/chat/completions')
    expect(routeOf('/')).toBe('/')
    expect(routeOf('//')).toBe('/')
  })
})
