import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const ADMIN_TOKEN_FILE_NAME = 'admin-token'
const MIN_TOKEN_LENGTH = 16

export interface AdminTokenSource {
  token: string
  /** `generated` means it was created now and must be shown to the user once. */
  origin: 'environment' | 'file' | 'generated'
  file?: string
}

/**
 * The admin token: from the environment, else from `<dataDir>/admin-token` (0600), else a new
 * random one written there.
 */
export function loadOrCreateAdminToken(
  dataDir: string,
  fromEnvironment: string | undefined,
): AdminTokenSource {
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    if (fromEnvironment.length < MIN_TOKEN_LENGTH) {
      throw new Error(`KEYPOOL_ADMIN_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`)
    }
    return { token: fromEnvironment, origin: 'environment' }
  }
  const file = path.join(dataDir, ADMIN_TOKEN_FILE_NAME)
  try {
    const token = fs.readFileSync(file, 'utf8').trim()
    if (token.length >= MIN_TOKEN_LENGTH) return { token, origin: 'file', file }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const token = `kp-admin-${randomBytes(24).toString('base64url')}`
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 })
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600)
  return { token, origin: 'generated', file }
}

/** Checks presented tokens in constant time: both sides are hashed first, then compared. */
export class AdminTokenVerifier {
  private readonly digest: Buffer

  constructor(token: string) {
    this.digest = sha256(token)
  }

  verify(candidate: string | undefined): boolean {
    if (candidate === undefined) return false
    return timingSafeEqual(sha256(candidate), this.digest)
  }

  /** Reads `Authorization: Bearer <token>`; tokens in query strings or cookies are not accepted. */
  verifyHeader(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
    return this.verify(match?.[1])
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}
