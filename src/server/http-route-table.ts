import { contract, type HttpMethod, type OperationName } from '../shared/contract'

export interface HttpRoute {
  operation: OperationName
  method: HttpMethod
  pattern: RegExp
  params: string[]
  queryAliases: Readonly<Record<string, string>>
}

/** Compiles every operation's method and path into a matcher; built once at start. */
export function buildRouteTable(): HttpRoute[] {
  return (Object.keys(contract) as OperationName[]).map((operation) => {
    const definition = contract[operation]
    const params: string[] = []
    const source = definition.path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment)
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        params.push(param[1]!)
        return '([^/]+)'
      })
      .join('/')
    return {
      operation,
      method: definition.method,
      pattern: new RegExp(`^${source}$`),
      params,
      queryAliases: definition.queryAliases ?? {},
    }
  })
}

export type RouteMatch =
  | { kind: 'found'; route: HttpRoute; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: HttpMethod[] }
  /** The route exists, but a path parameter is not valid percent-encoding (`/api/keys/%E0`). */
  | { kind: 'bad-parameter' }
  | { kind: 'none' }

export function matchRoute(routes: HttpRoute[], method: string, path: string): RouteMatch {
  const allowed: HttpMethod[] = []
  for (const route of routes) {
    const match = route.pattern.exec(path)
    if (!match) continue
    if (route.method !== method) {
      allowed.push(route.method)
      continue
    }
    const params: Record<string, string> = {}
    for (const [index, name] of route.params.entries()) {
      const value = decodeParameter(match[index + 1]!)
      if (value === undefined) return { kind: 'bad-parameter' }
      params[name] = value
    }
    return { kind: 'found', route, params }
  }
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' }
}

/** `decodeURIComponent` throws on a stray `%`; that is the client's error, not a crash. */
function decodeParameter(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}
