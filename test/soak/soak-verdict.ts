import type { Attempt } from './soak-script'

/**
 * Explains one client request's outcome by what the upstream script did to it (SECURITY R1:
 * "0 proxy-caused errors"). Anything the script does not explain is the proxy's fault.
 */

/** What the client saw. */
export interface ClientResult {
  /** The HTTP status, or null when no response headers arrived. */
  status: number | null
  /** `error.code` of a JSON error answer. */
  errorCode: string | null
  /** The load generator aborted it on purpose, before or after the response headers. */
  abortedByClient: 'before-headers' | 'mid-stream' | null
  /** The stream ended with `data: [DONE]`. */
  sawDone: boolean
  /** The stream carried the proxy's error event (an upstream failure after the first byte). */
  sawErrorEvent: boolean
  /** The streamed text equals what the mock generates for the requested length. */
  contentOk: boolean
  /** A failure the client did not cause (reset, timeout…), by name. */
  networkError: string | null
}

export interface Verdict {
  cause: string
  explained: boolean
}

const FAILURES: ReadonlySet<Attempt['kind']> = new Set([
  'server-error',
  'rate-limit',
  'unauthorized',
])

const explained = (cause: string): Verdict => ({ cause, explained: true })
const unexplained = (cause: string): Verdict => ({ cause, explained: false })

export function explainOutcome(
  result: ClientResult,
  attempts: readonly Attempt[],
  /** Every usable key was resting after a 429 while the request ran (`SoakScript.allResting`). */
  allKeysResting = false,
): Verdict {
  if (result.abortedByClient === 'before-headers') return explained('client abort before headers')
  if (result.abortedByClient === 'mid-stream') return explained('client abort mid-stream')
  if (result.networkError !== null) return unexplained(`network error (${result.networkError})`)
  if (result.status === 200) return explainStream(result, attempts)
  if (result.status === 429 && result.errorCode === 'sub_key_exhausted') {
    return explained('sub-key quota used up (429 sub_key_exhausted)')
  }
  const answer = `${result.status} ${result.errorCode ?? ''}`.trim()
  if (attempts.length === 0 && result.errorCode === 'no_available_key' && allKeysResting) {
    return explained(`every usable key resting after a 429 (${answer})`)
  }
  if (attempts.length > 0 && attempts.every((attempt) => FAILURES.has(attempt.kind))) {
    return explained(`every attempt failed upstream (${answer})`)
  }
  return unexplained(`${answer} after attempts [${kinds(attempts)}]`)
}

/** A 200: the last attempt delivered it, and every earlier one must have failed first (P4). */
function explainStream(result: ClientResult, attempts: readonly Attempt[]): Verdict {
  const last = attempts.at(-1)
  if (!last) return unexplained('200 without an upstream attempt')
  if (!attempts.slice(0, -1).every((attempt) => FAILURES.has(attempt.kind))) {
    return unexplained(`retried after an answer had started [${kinds(attempts)}]`)
  }
  if (last.kind === 'reset') {
    return result.sawDone
      ? unexplained('[DONE] after a scripted reset')
      : explained('stream cut by an upstream reset')
  }
  if (last.kind !== 'stream') return unexplained(`200 from a ${last.kind} attempt`)
  if (!result.sawDone || result.sawErrorEvent)
    return unexplained('stream truncated without a reset')
  if (!result.contentOk) return unexplained('stream content altered')
  return explained(attempts.length > 1 ? 'complete after failover' : 'complete')
}

const kinds = (attempts: readonly Attempt[]): string =>
  attempts.map((attempt) => attempt.kind).join(', ')
