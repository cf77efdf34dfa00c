import type { AdminErrorCode, ApiIssue } from '../shared/errors'

/**
 * An expected failure of a management operation. The router turns it into an error envelope;
 * any other thrown value becomes `internal_error` with a generic message, so that nothing
 * unexpected (a secret in a driver message, a stack) reaches a client.
 */
export class AppError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const notFound = (what: string, id: number | string): AppError =>
  new AppError('not_found', `${what} ${id} does not exist`)

export const conflict = (message: string): AppError => new AppError('conflict', message)
