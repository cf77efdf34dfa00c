/** The path of a request target, without its query string or fragment. */
export function pathOf(target: string): string {
  // A char-code loop, not `search(/[?#]/)`: several run for every proxied request.
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i)
    if (code === 63 /* ? */ || code === 35 /* # */) return target.slice(0, i)
  }
  return target
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
