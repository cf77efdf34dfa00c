/** The path of a request target, without its query string or fragment. */
export function pathOf(target: string): string {
  const end = target.search(/[?#]/)
  return end === -1 ? target : target.slice(0, end)
}

/**
 * The route a target names, for matching against known endpoints: no query, no trailing slash,
 * lower case. Upstreams that ignore case or a trailing slash must not let a request dodge a check.
 */
export function routeOf(target: string): string {
  let route = pathOf(target)
  while (route.length > 1 && route.endsWith('/')) route = route.slice(0, -1)
  return route.toLowerCase()
}
