import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream'
import { killServe, spawnServe, type ServeChild } from '../support/serve-child'
import { seededRandom } from '../unit/core/pool/seeded-random'
import { GcTrace } from './gc-trace'
import { memoryDrift, memoryProblems, type MemoryDrift, type RssSample } from './memory-drift'
import {
  readDescriptors,
  readMemory,
  readTcpSockets,
  totalSockets,
  type TcpCounts,
} from './process-probe'
import { SoakLoad, type SoakSubKey } from './soak-load'
import type { SoakOptions } from './soak-options'
import { planKeys, SoakScript, type KeyPlan, type KeyRole } from './soak-script'

/**
 * SECURITY R1, end to end: the built KeyPool `serve` in a child process (so /proc shows its
 * memory, descriptors and sockets), the mock upstream and the load generator in this one. Returns
 * the figures and the list of failed checks; the callers print the one and assert the other.
 */

export interface SoakReport {
  options: SoakOptions
  /** Client requests, and the ones still open at the deadline that had to finish. */
  requests: number
  seconds: number
  /** Client outcomes by cause. */
  causes: { cause: string; count: number; explained: boolean }[]
  unexplained: number
  examples: string[]
  /** Upstream attempts by what the script did. */
  attempts: Record<string, number>
  attemptsAfterAnswer: number
  attemptsAfterLeaving: number
  forbiddenUses: number
  peakClientStreams: number
  peakUpstreamRequests: number
  /** Time to the 200 headers at the client: p50, p95, max (ms). */
  timeToHeadersMs: { p50: number; p95: number; max: number }
  subKeys: {
    name: string
    sent: number
    headers200: number
    abortedBeforeHeaders: number
    used: number | null
    counted: number
    maxRequests: number | null
  }[]
  keys: { role: KeyRole; state: string; toInvalid: number }[]
  memory: MemoryDrift
  descriptors: { baselineFds: number; endFds: number; peakFds: number }
  sockets: { baseline: TcpCounts; peak: number; end: TcpCounts }
  cleanExit: number | null
  problems: string[]
}

const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef'
const MiB = (kib: number): number => Math.round((kib / 1024) * 10) / 10

/** The child's RSS in KiB, or 0 once it is gone. */
function readRss(pid: number): number {
  try {
    return pid > 0 ? readMemory(pid).rssKiB : 0
  } catch {
    return 0
  }
}

type Admin = (method: string, path: string, body?: unknown) => Promise<unknown>

/** Admin calls close their connection, so no idle socket of ours sits in the child's counts. */
function adminClient(url: string): Admin {
  return async (method, path, body) => {
    const response = await request(`${url}${path}`, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      reset: true,
    })
    const answer: unknown = await response.body.json()
    if (response.statusCode !== 200) {
      throw new Error(`${method} ${path}: ${response.statusCode} ${JSON.stringify(answer)}`)
    }
    return answer
  }
}

export async function runSoak(
  options: SoakOptions,
  dataDir: string,
  log: (line: string) => void,
): Promise<SoakReport> {
  const random = seededRandom(options.seed)
  const problems: string[] = []
  const mock = await startMockUpstream({
    recordBodies: false,
    streamChunks: options.chunks[1],
  })
  let serve: ServeChild | undefined
  try {
    const script = new SoakScript(options, random, () => {
      if (mock.requests.length > 1_000) mock.requests.length = 0
    })
    // `--trace-gc` only prints: each full GC tells the live heap, and `--trace-gc-verbose` the
    // external memory after it (memory-drift.ts).
    let started = Date.now()
    let pid = 0
    const gcTrace = new GcTrace(
      () => Date.now() - started,
      () => readRss(pid),
    )
    serve = spawnServe({
      dataDir,
      adminToken: ADMIN_TOKEN,
      providerUrl: mock.url,
      nodeOptions: ['--trace-gc', '--trace-gc-verbose'],
      onStdout: (text) => gcTrace.push(text),
    })
    pid = serve.pid
    const url = await serve.listening
    const admin = adminClient(url)
    const plans = planKeys(options.durationMs)
    for (const plan of plans) mock.script(plan.secret, script.picker(plan))
    const { keyIds, subKeys, fallback, warmUp: warmUpKey } = await setUp(admin, plans, options)

    // Warm-up: a few requests open what stays open (pools, lazy modules), then the baseline.
    await warmUp(url, warmUpKey, mock)
    const baseline = await settledSockets(pid, null, 5_000)
    log(`soak: seed ${options.seed}, ${options.streams} streams for ${options.durationMs / 1000} s`)

    const load = new SoakLoad(url, options, script, random, subKeys, fallback)
    started = Date.now()
    const deadline = started + options.durationMs
    script.start(started)
    const samples: RssSample[] = []
    let peakFds = 0
    let peakSockets = 0
    let peakUpstream = 0
    const sampler = setInterval(() => {
      samples.push({ at: Date.now() - started, rssKiB: readMemory(pid).rssKiB })
      peakFds = Math.max(peakFds, readDescriptors(pid).fds)
      peakSockets = Math.max(peakSockets, totalSockets(readTcpSockets(pid)))
      peakUpstream = Math.max(peakUpstream, mock.openRequests())
    }, 1_000)
    const schedule = scheduleAdmin(admin, load, script, keyIds, plans, options, started)
    let lastReport = started
    const progress = setInterval(() => {
      if (Date.now() - lastReport < 60_000) return
      lastReport = Date.now()
      const rss = samples.at(-1)?.rssKiB ?? 0
      log(
        `soak: ${Math.round((lastReport - started) / 1000)} s, ${load.requests} requests, ` +
          `${load.inFlight} open, RSS ${MiB(rss)} MiB, unexplained ${load.unexplained}`,
      )
    }, 5_000)
    try {
      await Promise.all([load.run(deadline), schedule])
    } finally {
      clearInterval(sampler)
      clearInterval(progress)
    }
    const seconds = (Date.now() - started) / 1000

    // After the load: every client and upstream connection closes; the child's must follow.
    await load.agent.close()
    mock.closeIdleConnections()
    const end = await settledSockets(pid, baseline, 15_000)
    if (end.fds > baseline.fds || totalSockets(end.tcp) > totalSockets(baseline.tcp)) {
      problems.push(
        `leak: ${end.fds} fds / ${totalSockets(end.tcp)} sockets after the load, baseline ` +
          `${baseline.fds} / ${totalSockets(baseline.tcp)}`,
      )
    }

    const memory = memoryDrift(
      samples,
      gcTrace.fullGcs(),
      options.durationMs,
      options.warmupFraction,
    )
    if (options.memoryTolerance !== null) {
      problems.push(...memoryProblems(memory, options.memoryTolerance))
    }

    const subKeyFigures = await checkQuotas(admin, load, subKeys, problems)
    const keyFigures = await checkKeyStates(admin, keyIds, plans, problems)
    if (load.unexplained > 0) problems.push(`${load.unexplained} proxy-caused client errors`)
    if (script.attemptsAfterAnswer > 0) {
      problems.push(`${script.attemptsAfterAnswer} upstream attempts after the client's answer`)
    }
    if (load.forbiddenUses > 0) {
      problems.push(`${load.forbiddenUses} attempts with a key after its disable was answered`)
    }

    // A graceful stop still works after the soak (P9): exit 0.
    serve.child.kill('SIGTERM')
    const cleanExit = await Promise.race([serve.exited, sleep(20_000).then(() => -1)])
    if (cleanExit !== 0) problems.push(`SIGTERM after the soak: exit ${cleanExit}`)

    return {
      options,
      requests: load.requests,
      seconds,
      causes: [...load.causes.entries()]
        .map(([cause, { count, explained }]) => ({ cause, count, explained }))
        .sort((a, b) => b.count - a.count),
      unexplained: load.unexplained,
      examples: load.examples,
      attempts: { ...script.byKind },
      attemptsAfterAnswer: script.attemptsAfterAnswer,
      attemptsAfterLeaving: script.attemptsAfterLeaving,
      forbiddenUses: load.forbiddenUses,
      peakClientStreams: load.peakInFlight,
      peakUpstreamRequests: peakUpstream,
      timeToHeadersMs: percentiles(load.timesToHeaders),
      subKeys: subKeyFigures,
      keys: keyFigures,
      memory,
      descriptors: { baselineFds: baseline.fds, endFds: end.fds, peakFds },
      sockets: { baseline: baseline.tcp, peak: peakSockets, end: end.tcp },
      cleanExit,
      problems,
    }
  } finally {
    if (serve) await killServe(serve)
    await mock.close()
  }
}

/**
 * Validation off (it would call the mock), the keys by role (labelled with their role), and five
 * sub-keys: two exact ones aborted only mid-stream, one aborted anywhere, one whose small quota
 * runs out, and an unlimited one that also takes the workers of the spent one; plus one for the
 * warm-up, outside every count.
 */
async function setUp(
  admin: Admin,
  plans: readonly KeyPlan[],
  options: SoakOptions,
): Promise<{
  keyIds: Map<string, number>
  subKeys: SoakSubKey[]
  fallback: SoakSubKey
  warmUp: SoakSubKey
}> {
  await admin('PATCH', '/api/settings', {
    validation: { onAdd: false, scheduleMinutes: 0 },
    proxy: { maxConcurrentRequests: Math.max(2_000, options.streams * 2) },
  })
  const providers = (await admin('GET', '/api/providers')) as { id: number }[]
  await admin('POST', '/api/keys/bulk', {
    keys: plans.map((plan) => `${plan.secret},${plan.role}`).join('\n'),
    providerId: providers[0]!.id,
  })
  const page = (await admin('GET', '/api/keys/paginated?page_size=500')) as {
    items: { id: number; last4: string }[]
  }
  const keyIds = new Map<string, number>()
  for (const plan of plans) {
    const found = page.items.find((item) => item.last4 === plan.secret.slice(-4))
    if (!found) throw new Error(`key …${plan.secret.slice(-4)} was not added`)
    keyIds.set(plan.secret, found.id)
  }
  const issue = async (
    name: string,
    maxRequests: number | null,
    aborts: SoakSubKey['aborts'],
  ): Promise<SoakSubKey> => {
    const issued = (await admin('POST', '/api/sub-keys', { name, maxRequests })) as {
      subKey: { id: number }
      secret: string
    }
    return { id: issued.subKey.id, name, secret: issued.secret, aborts, limited: !!maxRequests }
  }
  const big = 1_000_000_000
  const warmUp = await issue('warm-up', null, 'mid-stream')
  const fallback = await issue('unlimited', null, 'mid-stream')
  const subKeys = [
    await issue('exact-a', big, 'mid-stream'),
    await issue('exact-b', big, 'mid-stream'),
    await issue('impatient', big, 'anywhere'),
    await issue('small', options.smallQuota, 'mid-stream'),
    fallback,
  ]
  return { keyIds, subKeys, fallback, warmUp }
}

async function warmUp(url: string, subKey: SoakSubKey, mock: MockUpstream): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const response = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${subKey.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [], stream: i % 2 === 0 }),
      reset: true,
    })
    await response.body.text()
  }
  mock.closeIdleConnections()
}

/** Waits (bounded) until the child's descriptors and sockets are back to `target`, or settle. */
async function settledSockets(
  pid: number,
  target: { fds: number; tcp: TcpCounts } | null,
  timeoutMs: number,
): Promise<{ fds: number; tcp: TcpCounts }> {
  const until = Date.now() + timeoutMs
  let previous = -1
  for (;;) {
    const fds = readDescriptors(pid).fds
    const tcp = readTcpSockets(pid)
    const reached = target
      ? fds <= target.fds && totalSockets(tcp) <= totalSockets(target.tcp)
      : fds === previous && totalSockets(tcp) === 1
    if (reached || Date.now() >= until) return { fds, tcp }
    previous = fds
    await sleep(250)
  }
}

/**
 * The admin API's part of the script: `reenabled` is disabled at 30 % and enabled again at 60 %,
 * `disabled` is disabled at 40 %. No request that started after a disable was answered, and
 * ended before the enable was sent, may reach the upstream with that key. The script learns
 * when each key was off, so a spell of resting keys does not wait for it.
 */
async function scheduleAdmin(
  admin: Admin,
  load: SoakLoad,
  script: SoakScript,
  keyIds: ReadonlyMap<string, number>,
  plans: readonly KeyPlan[],
  options: SoakOptions,
  started: number,
): Promise<void> {
  const secretOf = (role: KeyRole): string => plans.find((plan) => plan.role === role)!.secret
  const at = async (fraction: number): Promise<void> => {
    const wait = started + options.durationMs * fraction - Date.now()
    if (wait > 0) await sleep(wait)
  }
  const setStatus = async (secret: string, status: 'active' | 'disabled'): Promise<void> => {
    if (status === 'disabled') script.disabling(secret, Date.now())
    await admin('PUT', `/api/keys/${keyIds.get(secret)}/status`, { status })
    if (status === 'active') script.enabled(secret, Date.now())
  }
  const reenabled = secretOf('reenabled')
  const disabled = secretOf('disabled')
  await at(0.3)
  await setStatus(reenabled, 'disabled')
  const window = {
    secret: reenabled,
    role: 'reenabled',
    from: Date.now(),
    to: Number.POSITIVE_INFINITY,
  }
  load.forbidden.push(window)
  await at(0.4)
  await setStatus(disabled, 'disabled')
  load.forbidden.push({
    secret: disabled,
    role: 'disabled',
    from: Date.now(),
    to: Number.POSITIVE_INFINITY,
  })
  await at(0.6)
  window.to = Date.now()
  await setStatus(reenabled, 'active')
}

function percentiles(values: readonly number[]): SoakReport['timeToHeadersMs'] {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 }
}

interface ListedSubKey {
  id: number
  remaining: number | null
  maxRequests: number | null
  requests: number
}

/**
 * Quotas exact. used = maxRequests − remaining (the atomic reservations, net of refunds);
 * counted = the sub-key's `requests` (requests the proxy delivered). Both must equal the 200
 * answers the clients received when they abort only mid-stream; an `anywhere` client may have
 * gone before headers the proxy had already sent, so there the 200 count is a lower bound and
 * adding the early aborts an upper one. The small quota is never exceeded.
 */
async function checkQuotas(
  admin: Admin,
  load: SoakLoad,
  subKeys: readonly SoakSubKey[],
  problems: string[],
): Promise<SoakReport['subKeys']> {
  // The `requests` counters reach the store with the next usage batch (every 200 ms).
  await sleep(500)
  const listed = (await admin('GET', '/api/sub-keys')) as ListedSubKey[]
  return subKeys.map((subKey) => {
    const row = listed.find((item) => item.id === subKey.id)!
    const tally = load.tallies.get(subKey.id)!
    const used = row.maxRequests === null ? null : row.maxRequests - row.remaining!
    const low = tally.headers200
    const high = subKey.aborts === 'anywhere' ? low + tally.abortedBeforeHeaders : low
    const name = `sub-key ${subKey.name}`
    if (used !== null && used !== row.requests) {
      problems.push(`${name}: used ${used} but counted ${row.requests}`)
    }
    if (row.requests < low || row.requests > high) {
      problems.push(`${name}: counted ${row.requests}, clients saw ${low}..${high}`)
    }
    if (row.maxRequests !== null && row.requests > row.maxRequests) {
      problems.push(`${name}: ${row.requests} requests over a quota of ${row.maxRequests}`)
    }
    return {
      name: subKey.name,
      sent: tally.sent,
      headers200: tally.headers200,
      abortedBeforeHeaders: tally.abortedBeforeHeaders,
      used,
      counted: row.requests,
      maxRequests: row.maxRequests,
    }
  })
}

/**
 * Key states as scripted, once the last cooldowns (1 s) have ended: steady and re-enabled keys
 * active and never invalid, revoked keys invalid by exactly one transition, the disabled key
 * disabled.
 */
async function checkKeyStates(
  admin: Admin,
  keyIds: ReadonlyMap<string, number>,
  plans: readonly KeyPlan[],
  problems: string[],
): Promise<SoakReport['keys']> {
  for (let i = 0; i < 40; i++) {
    const cooling = (await admin('GET', '/api/keys/paginated?status=cooling')) as { total: number }
    if (cooling.total === 0) break
    await sleep(250)
  }
  const expected: Record<KeyRole, string> = {
    steady: 'active',
    revoked: 'invalid',
    disabled: 'disabled',
    reenabled: 'active',
  }
  const page = (await admin('GET', '/api/keys/paginated?page_size=500')) as {
    items: { id: number; state: string }[]
  }
  const figures: SoakReport['keys'] = []
  for (const plan of plans) {
    const id = keyIds.get(plan.secret)!
    const state = page.items.find((item) => item.id === id)?.state ?? 'missing'
    const history = (await admin('GET', `/api/keys/${id}/transitions?limit=500`)) as {
      to: string
    }[]
    const toInvalid = history.filter((entry) => entry.to === 'invalid').length
    const label = `${plan.role} key ${id}`
    if (state !== expected[plan.role]) {
      problems.push(`${label}: ${state}, scripted ${expected[plan.role]}`)
    }
    if (toInvalid !== (plan.role === 'revoked' ? 1 : 0)) {
      problems.push(`${label}: ${toInvalid} transitions to invalid`)
    }
    figures.push({ role: plan.role, state, toInvalid })
  }
  return figures
}
