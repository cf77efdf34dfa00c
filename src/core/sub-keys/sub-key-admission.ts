import type { IncomingHttpHeaders } from 'node:http'
import { ProxyError } from '../../shared/proxy-errors'
import { checkProxyMethod } from '../proxy/proxy-methods'
import type { RpmLimiter } from './rpm-limiter'
import type { SubKeyDirectory, SubKeyEntry } from './sub-key-directory'
import { extractClientKey } from './sub-key-secret'
import { admissionError } from './sub-key-status'

/**
 * The sub-key a request presents, if it is known and may be used now (SPEC §3): memory only.
 * Unknown and absent keys get the same answer, so the proxy does not tell which secrets exist.
 * `connection` is the request's socket (see `SubKeyDirectory.authenticate`).
 *
 * @throws ProxyError `invalid_sub_key`, `sub_key_disabled`, `sub_key_expired`,
 *   `sub_key_exhausted` or `token_budget_exhausted`
 */
export function admitSubKey(
  headers: IncomingHttpHeaders,
  directory: SubKeyDirectory,
  now: number,
  connection?: object,
): SubKeyEntry {
  const secret = extractClientKey(headers)
  const entry = secret === null ? undefined : directory.authenticate(secret, connection)
  if (!entry) throw new ProxyError('invalid_sub_key')
  const refusal = admissionError(entry.record, now)
  if (refusal !== null) throw new ProxyError(refusal)
  return entry
}

/**
 * The checks that need the request's model, in the order a client can act on them: the method
 * (the first admission step that sees it), the model policy, then the requests-per-minute limit
 * (a refused model does not use up the minute).
 *
 * @throws ProxyError `method_not_allowed`, `model_not_allowed`, or `rate_limited` with
 *   `retryAfterSeconds`
 */
export function admitModelAndRate(
  entry: SubKeyEntry,
  model: string | null,
  rpm: RpmLimiter,
  request: { method: string; path: string } = { method: 'GET', path: '/v1' },
): void {
  checkProxyMethod(request.method)
  if (model === null && !entry.models.unrestricted && usesUnnamedModel(request)) {
    throw new ProxyError(
      'model_not_allowed',
      'This sub-key may only use named models: send "model" (batches cannot be checked)',
      'model',
    )
  }
  if (model !== null && !entry.models.allows(model)) {
    throw new ProxyError(
      'model_not_allowed',
      `This sub-key may not use the model ${model}`,
      'model',
    )
  }
  const decision = rpm.tryAcquire(entry.record.id, entry.record.rpm)
  if (!decision.allowed) {
    throw new ProxyError('rate_limited', undefined, null, decision.retryAfterSeconds)
  }
}

/** Uploads that carry no model; any other POST without one would let the upstream pick it. */
const MODEL_FREE_POSTS = ['/v1/files', '/v1/uploads']

/**
 * A POST with no model would run the upstream's default model (moderations, responses) or
 * models named inside an uploaded file (batches): a sub-key with a model policy may not.
 */
function usesUnnamedModel({ method, path }: { method: string; path: string }): boolean {
  if (method !== 'POST') return false
  const bare = path.split('?')[0]!
  return !MODEL_FREE_POSTS.some((prefix) => bare === prefix || bare.startsWith(`${prefix}/`))
}
