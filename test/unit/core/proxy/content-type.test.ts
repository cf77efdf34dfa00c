import { describe, expect, it } from 'vitest'
import { bodyKindOf, multipartBoundary } from '../../../../src/core/proxy/content-type'

describe('bodyKindOf', () => {
  it.each([
    [undefined, 'none'],
    ['', 'none'],
    ['application/json', 'json'],
    ['Application/JSON; charset=utf-8', 'json'],
    ['application/merge-patch+json', 'json'],
    ['multipart/form-data; boundary=x', 'multipart'],
    ['text/plain', 'other'],
    ['application/octet-stream', 'other'],
    ['application/x-www-form-urlencoded', 'other'],
  ])('%j is %s', (type, kind) => expect(bodyKindOf(type)).toBe(kind))
})

describe('multipartBoundary', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['multipart/form-data; charset=utf-8; BOUNDARY="a b=c"', 'a b=c'],
    ['multipart/form-data', null],
    ['multipart/form-data; boundary=', null],
    [`multipart/form-data; boundary=${'x'.repeat(71)}`, null],
  ])('%j → %j', (type, boundary) => expect(multipartBoundary(type)).toBe(boundary))
})
