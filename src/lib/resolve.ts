import {randomBytes} from 'node:crypto'
import {stat} from 'node:fs/promises'
import path from 'node:path'
import {isLoopback} from './ip.js'
import {myhostnameAdvice, type MyhostnameStatus} from './myhostname.js'

/**
 * Does a name a certificate is for reach this machine? Browsers (and curl 7.78+) answer `*.localhost` with loopback
 * themselves, but Node, Python, Java and everything else ask the system resolver (hosts file, NSS, DNS), which may not
 * know it.
 */

export type UnresolvedReason = 'not-found' | 'timed-out' | 'not-loopback' | 'wildcard'

export interface Unresolved {
  name: string
  reason: UnresolvedReason
  /** Where it resolves instead (not-loopback), else empty. */
  addresses: string[]
}

/** All addresses of a name (getaddrinfo, as every program sees it); throws when there are none. */
export type Lookup = (name: string) => Promise<string[]>

// loaded on first lookup: node:dns reads resolv.conf when it loads, which a cached dev-server boot never needs
const systemLookup: Lookup = async (name) => {
  const {lookup} = await import('node:dns/promises')
  return (await lookup(name, {all: true, verbatim: true})).map((entry) => entry.address)
}

const DEFAULT_TIMEOUT_MS = 1_000

/** A name as parseName classified it (a SubjectName): only `dns` ones are looked up (IPs, emails, URIs are no host names). */
export interface TypedName {
  type: string
  value: string
}

function dnsNames(names: readonly TypedName[]): string[] {
  return [...new Set(names.filter((name) => name.type === 'dns').map((name) => name.value))]
}

async function check(name: string, lookup: Lookup, timeoutMs: number): Promise<Unresolved | undefined> {
  const wildcard = name.startsWith('*.')
  // a wildcard is checked through one random name under it: that is what a resolver would be asked
  const probe = wildcard ? `lc-probe-${randomBytes(4).toString('hex')}.${name.slice(2)}` : name
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs)
    timer.unref()
  })
  const answer = await Promise.race([lookup(probe).catch(() => [] as string[]), timeout]).finally(() => clearTimeout(timer))
  if (answer !== 'timed-out' && answer.length > 0 && answer.every(isLoopback)) return undefined
  if (wildcard) return {name, reason: 'wildcard', addresses: []}
  if (answer === 'timed-out') return {name, reason: 'timed-out', addresses: []}
  return answer.length === 0 ? {name, reason: 'not-found', addresses: []} : {name, reason: 'not-loopback', addresses: answer.filter((address) => !isLoopback(address))}
}

/**
 * The DNS names (IPs, emails and URIs skipped) that do not resolve, or resolve somewhere other than loopback, looked
 * up in parallel with a short timeout each. Never throws: a failing resolver only makes names show up as unresolved.
 * @example
 * const unresolved = await unresolvedNames(parseNames(['app.localhost', 'api.test', '127.0.0.1']))
 * for (const line of resolutionAdvice(unresolved)) console.warn(line)
 */
export async function unresolvedNames(names: readonly TypedName[], options: {timeoutMs?: number; lookup?: Lookup} = {}): Promise<Unresolved[]> {
  const lookup = options.lookup ?? systemLookup
  const results = await Promise.all(dnsNames(names).map((name) => check(name, lookup, options.timeoutMs ?? DEFAULT_TIMEOUT_MS).catch(() => undefined)))
  return results.filter((result): result is Unresolved => result !== undefined)
}

function isLocalhostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost')
}

/**
 * Why a wildcard needs more than a hosts file, and what makes it resolve instead: the one wording behind the
 * resolution warning and `localcert hosts add`'s refusal. `nss`: myhostnameAdvice() for this machine.
 * @example wildcardAdvice('*.api.test', undefined) // 'a hosts file cannot hold a wildcard: run a local DNS resolver…'
 */
export function wildcardAdvice(name: string, nss: string | undefined): string {
  const fixes = isLocalhostName(name)
    ? ['browsers resolve *.localhost themselves', nss, 'or add each name you use with `localcert hosts add NAME`']
    : ['run a local DNS resolver, e.g. dnsmasq with `address=/test/127.0.0.1`, or add each name you use with `localcert hosts add NAME`']
  return `a hosts file cannot hold a wildcard: ${fixes.filter(Boolean).join('; ')}`
}

/**
 * One line per unresolved name: what is wrong and the fix (`localcert hosts add NAME`, libnss-myhostname on Linux,
 * a local resolver for wildcards). Pass the myhostname status (myhostnameStatus()) so the advice fits this machine.
 * @example resolutionAdvice([{name: 'api.test', reason: 'not-found', addresses: []}], 'linux')
 * // ['api.test does not resolve: no program on this machine reaches it by name. Fix: `localcert hosts add api.test`']
 */
export function resolutionAdvice(unresolved: readonly Unresolved[], platform: NodeJS.Platform = process.platform, myhostname?: MyhostnameStatus): string[] {
  const nss = myhostnameAdvice(myhostname, platform)
  return unresolved.map(({name, reason, addresses}) => {
    const localhost = isLocalhostName(name)
    if (reason === 'wildcard') return `${name} does not resolve to this machine, and ${wildcardAdvice(name, nss)}`
    const what = reason === 'not-loopback' ? `${name} resolves to ${addresses.join(', ')}, not to this machine` : reason === 'timed-out' ? `${name} did not resolve in time` : `${name} does not resolve`
    const who = localhost ? 'browsers reach it (they resolve *.localhost themselves, as curl does), but Node, Python and Java do not' : 'no program on this machine reaches it by name'
    const alternative = localhost && nss ? `, or ${nss}` : ''
    return `${what}: ${who}. Fix: \`localcert hosts add ${name}\`${alternative}`
  })
}

/**
 * One line per name that does not reach this machine, with the fix (what `localcert cert`, `httpsOptions` and the
 * Vite plugin report); a check that fails says nothing, so issuance never fails for it.
 * @example await resolutionWarnings(parseNames(['nope.test'])) // ['nope.test does not resolve … localcert hosts add nope.test']
 */
export async function resolutionWarnings(names: readonly TypedName[]): Promise<string[]> {
  try {
    const unresolved = await unresolvedNames(names)
    if (unresolved.length === 0) return []
    const {myhostnameStatus} = await import('./myhostname.js')
    return resolutionAdvice(unresolved, process.platform, await myhostnameStatus())
  } catch {
    return []
  }
}

/** Tests and unusual machines point localcert at another hosts file. */
export const HOSTS_FILE_ENV = 'LOCALCERT_HOSTS_FILE'

/**
 * The hosts file: LOCALCERT_HOSTS_FILE, else `%SystemRoot%\\System32\\drivers\\etc\\hosts` on Windows and /etc/hosts elsewhere.
 * @example hostsFilePath('win32', {SystemRoot: 'C:\\Windows'}) // 'C:\\Windows\\System32\\drivers\\etc\\hosts'
 */
export function hostsFilePath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[HOSTS_FILE_ENV]
  if (override) return path.resolve(override)
  if (platform === 'win32') return path.win32.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32', 'drivers', 'etc', 'hosts')
  return '/etc/hosts'
}

/**
 * Identifies the state name resolution was checked in (the hosts file's and nsswitch.conf's change times), so a
 * remembered answer is asked again once either changes — after `localcert hosts add`, say.
 * @example if ((await resolutionStamp()) !== cached.stamp) warnings = await resolutionWarnings(names)
 */
export async function resolutionStamp(): Promise<string> {
  const times = await Promise.all([hostsFilePath(), '/etc/nsswitch.conf'].map((file) => stat(file).then((info) => `${info.ino}:${info.ctimeMs}`, () => '-')))
  return times.join('|')
}
