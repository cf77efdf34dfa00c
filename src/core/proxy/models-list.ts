import type { ModelMatcher } from '../sub-keys/model-policy'
import { isObject } from './token-usage'
import { routeOf } from './route-path'

/** Whether a request is the model list, which is filtered by the sub-key's policy (SPEC §3). */
export function isModelList(method: string, target: string): boolean {
  return method.toUpperCase() === 'GET' && routeOf(target) === '/v1/models'
}

/**
 * The upstream's `GET /v1/models` answer with only the models the sub-key may use, or null when
 * it is not a model list (then it is passed on unchanged).
 */
export function filterModelList(bytes: Buffer, models: ModelMatcher): Buffer | null {
  let list: unknown
  try {
    list = JSON.parse(bytes.toString('utf8'))
  } catch {
    return null
  }
  if (!isObject(list) || !Array.isArray(list['data'])) return null
  const data = models.filter(list['data'] as unknown[], (item) =>
    isObject(item) && typeof item['id'] === 'string' ? item['id'] : '',
  )
  return Buffer.from(JSON.stringify({ ...list, data }))
}
