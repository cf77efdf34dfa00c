import type { ApiError } from '../../../shared/errors'
import { ApiRequestError } from '../api/api-client'

/** Any failure as the UI shows it: a stable code and a message. */
export function toApiError(caught: unknown): ApiError {
  if (caught instanceof ApiRequestError) return caught.error
  return {
    code: 'internal_error',
    message: caught instanceof Error ? caught.message : String(caught),
  }
}
