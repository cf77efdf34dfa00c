/** A key that left the pool. `label` must already be redacted (name or `sk-…abcd`, never a key). */
export interface KeyFailure {
  keyId: string | number
  label: string
  state: 'invalid' | 'exhausted'
}

/** A sub-key whose expiry is near. */
export interface ExpiringSubKey {
  id: string | number
  name: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

export interface NotificationText {
  title: string
  body: string
}

const MAX_NAMED = 3

/** Up to three names, then "and N more": a notification has room for a line or two. */
function listNames(names: string[]): string {
  if (names.length <= MAX_NAMED) return names.join(', ')
  return `${names.slice(0, MAX_NAMED).join(', ')} and ${names.length - MAX_NAMED} more`
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** One notification for a burst of key failures: "3 keys turned invalid". */
export function keyFailureText(failures: KeyFailure[]): NotificationText {
  const invalid = failures.filter((f) => f.state === 'invalid').length
  const exhausted = failures.length - invalid
  const names = listNames(failures.map((f) => f.label))
  if (failures.length === 1) {
    return failures[0]!.state === 'invalid'
      ? { title: 'A key turned invalid', body: `${names} was rejected and left the pool.` }
      : { title: 'A key ran out of quota', body: `${names} is exhausted and left the pool.` }
  }
  if (exhausted === 0) return { title: `${failures.length} keys turned invalid`, body: names }
  if (invalid === 0) return { title: `${failures.length} keys ran out of quota`, body: names }
  return {
    title: `${failures.length} keys left the pool`,
    body: `${invalid} invalid, ${exhausted} exhausted: ${names}`,
  }
}

export function poolEmptyText(): NotificationText {
  return {
    title: 'No usable key',
    body: 'Requests through KeyPool will fail until a key recovers or you add one.',
  }
}

/** "Sub-key “ci” expires in 5 hours", or a summary for several. */
export function subKeyExpiringText(subKeys: ExpiringSubKey[], now: number): NotificationText {
  const hoursLeft = (s: ExpiringSubKey): number =>
    Math.max(1, Math.round((s.expiresAt - now) / 3_600_000))
  if (subKeys.length === 1) {
    const subKey = subKeys[0]!
    return {
      title: `Sub-key “${subKey.name}” expires soon`,
      body: `It stops working in about ${plural(hoursLeft(subKey), 'hour', 'hours')}.`,
    }
  }
  return {
    title: `${subKeys.length} sub-keys expire within a day`,
    body: listNames(subKeys.map((s) => `“${s.name}”`)),
  }
}

export function closedToTrayText(): NotificationText {
  return {
    title: 'KeyPool keeps running in the tray',
    body: 'The proxy still serves your tools. Quit from the tray icon to stop it.',
  }
}
