/**
 * Stable error codes of the management API, with the HTTP status each maps to.
 * The UI translates codes into messages; the message that travels with a code is for logs and
 * for people reading raw API output.
 */
export const adminErrorStatus = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_operation: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
  unavailable: 503,
  /** A backup file is damaged, incomplete or not a KeyPool database. */
  backup_invalid: 422,
  /** A backup was written by a newer KeyPool than this one. */
  backup_too_new: 409,
  /** A backup's encryption key cannot be unlocked by this installation's key protection. */
  backup_key_mismatch: 409,
  /** A backup could not be written (disk full, permissions) or a restore could not be applied. */
  backup_failed: 500,
} as const

export type AdminErrorCode = keyof typeof adminErrorStatus

export interface ApiIssue {
  path: string
  message: string
}

export interface ApiError {
  code: AdminErrorCode
  message: string
  /** Field-level problems for `invalid_input`. */
  issues?: ApiIssue[]
}

/** What every management operation answers, over either transport. Errors are data. */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ApiError }
