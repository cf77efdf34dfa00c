import { describe, expect, it } from 'vitest'
import type { SubKeyRecord } from '../../../../src/core/store/sub-key-repository'
import { SubKeyDirectory } from '../../../../src/core/sub-keys/sub-key-directory'
import { generateSubKeySecret, hashSubKey } from '../../../../src/core/sub-keys/sub-key-secret'

function record(id: number, secret: string, changes: Partial<SubKeyRecord> = {}): SubKeyRecord {
  return {
    id,
    name: `client ${id}`,
    secretHash: hashSubKey(secret),
    prefix: secret.slice(0, 8),
    last4: secret.slice(-4),
    providerId: null,
    enabled: true,
    note: '',
    expiresAt: null,
    maxRequests: null,
    remaining: null,
    tokenBudget: null,
    tokensUsed: 0,
    rpm: null,
    allowModels: [],
    denyModels: [],
    requests: 0,
    lastUsedAt: null,
    createdAt: 0,
    ...changes,
  }
}

describe('SubKeyDirectory.authenticate', () => {
  const secret = generateSubKeySecret()
  const other = generateSubKeySecret()

  it('finds a sub-key by its secret, with or without a connection, and nothing else', () => {
    const directory = new SubKeyDirectory()
    directory.load([record(1, secret), record(2, other)])
    const connection = {}
    expect(directory.authenticate(secret)?.record.id).toBe(1)
    expect(directory.authenticate(secret, connection)?.record.id).toBe(1)
    expect(directory.authenticate(secret, connection)?.record.id).toBe(1)
    // Another secret on the same connection is hashed and checked, not taken from memory.
    expect(directory.authenticate(other, connection)?.record.id).toBe(2)
    expect(directory.authenticate(`${secret}x`, connection)).toBeUndefined()
    expect(directory.authenticate(secret.slice(0, -1), connection)).toBeUndefined()
    expect(directory.authenticate(secret, connection)?.record.id).toBe(1)
  })

  it('forgets what connections presented when a sub-key is removed', () => {
    const directory = new SubKeyDirectory()
    directory.load([record(1, secret)])
    const connection = {}
    expect(directory.authenticate(secret, connection)?.record.id).toBe(1)
    directory.remove(1)
    expect(directory.authenticate(secret, connection)).toBeUndefined()
  })

  it('hands out the changed record after an edit, and nothing after a new load', () => {
    const directory = new SubKeyDirectory()
    directory.load([record(1, secret)])
    const connection = {}
    expect(directory.authenticate(secret, connection)?.record.enabled).toBe(true)
    directory.upsert(record(1, secret, { enabled: false }))
    expect(directory.authenticate(secret, connection)?.record.enabled).toBe(false)
    directory.load([record(2, other)])
    expect(directory.authenticate(secret, connection)).toBeUndefined()
  })

  it('forgets a regenerated secret on a connection that used the old one', () => {
    const directory = new SubKeyDirectory()
    directory.load([record(1, secret)])
    const connection = {}
    expect(directory.authenticate(secret, connection)?.record.id).toBe(1)
    directory.upsert(record(1, other))
    expect(directory.authenticate(secret, connection)).toBeUndefined()
    expect(directory.authenticate(other, connection)?.record.id).toBe(1)
  })
})
