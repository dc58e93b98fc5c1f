import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseName} from '../ca/names.js'
import {currentPolicy} from '../ca/issue.js'
import {defaultPolicy, isAllowed, type NamePolicy} from '../ca/policy.js'
import {resolveHome} from '../state/paths.js'
import {LocalcertError} from '../errors.js'
import {myhostnameAdvice} from '../lib/myhostname.js'
import {wildcardAdvice} from '../lib/resolve.js'
import {withLock} from '../state/lock.js'
import {parseHosts, withBlock} from './block.js'
import {hostsFile, hostsMachine, readHostsText, realHostsFile, whyElevation, writeHostsText, type HostsMachine} from './file.js'

/** A change to the hosts file, computed before anything is written so the command can show it and ask first. */
export interface HostsChange {
  file: string
  before: string
  after: string
  /** Names the change puts into our block, or takes out of it. */
  added: string[]
  removed: string[]
  /** Names asked for that need nothing: already in our block (add), or not in it (remove). */
  unchanged: string[]
  /** add: names that already point to loopback on a line of someone else's, left as they are. */
  elsewhere: string[]
  /** Why root/administrator is needed, when it is. */
  elevation?: string
}

/** The DNS names a user asked for, checked: no IPs, no wildcards, no emails or URIs (and outside what the CA signs only with force). */
function hostNames(inputs: readonly string[], force: boolean, policy: NamePolicy): string[] {
  if (inputs.length === 0) throw new LocalcertError('NO_NAMES', 'no names were given', 'pass at least one name, e.g. `localcert hosts add app.localhost`')
  const names: string[] = []
  for (const input of inputs) {
    const name = parseName(input)
    if (name.type !== 'dns') throw new LocalcertError('INVALID_NAME', `${input} is not a host name: the hosts file maps names to addresses`, name.type === 'ip' ? 'an IP address needs no entry; pass names such as app.localhost' : 'pass host names such as app.localhost')
    if (name.value.startsWith('*.')) throw new LocalcertError('INVALID_NAME', `${name.value} is a wildcard, and ${wildcardAdvice(name.value, myhostnameAdvice(undefined))}`, `add the names you use one by one instead, e.g. \`localcert hosts add ${name.value.replace('*', 'app')}\``)
    if (!force && !isAllowed(policy, name)) {
      throw new LocalcertError('NAME_NOT_ALLOWED', `${name.value} is outside the names this CA signs (${policy.domains.join(', ')}): pointing a public name at this machine hides the real site`, `use a name under .localhost or .test, or add --force if you really mean to shadow ${name.value}`)
    }
    if (!names.includes(name.value)) names.push(name.value)
  }
  return names
}

async function plan(machine: HostsMachine, edit: (current: string[], others: string[]) => {names: string[]; added: string[]; removed: string[]; unchanged: string[]; elsewhere: string[]}): Promise<HostsChange> {
  const file = await realHostsFile(hostsFile(machine))
  const before = await readHostsText(file)
  const hosts = parseHosts(before, file)
  const {names, ...change} = edit(hosts.block?.names ?? [], hosts.otherLoopbackNames)
  const after = change.added.length || change.removed.length || (hosts.block && names.length === 0) ? withBlock(hosts, names) : before
  // root writes the file itself (writeHostsText): only a user needs sudo, and one without sudo or doas is refused here
  const elevation = after !== before && machine.uid !== 0 && !(await machine.writable(file)) ? await whyElevation(file, machine) : undefined
  return {file, before, after, ...change, elevation}
}

/**
 * What `localcert hosts add` would change: each name to 127.0.0.1 and ::1 in our block, none twice.
 * @example const change = await planHostsAdd(['app.localhost']); if (change.after !== change.before) await applyHostsChange(change)
 */
export async function planHostsAdd(inputs: readonly string[], options: {force?: boolean; machine?: HostsMachine; home?: string} = {}): Promise<HostsChange> {
  // the CA's own domains (--allow-domain at creation) need no --force; an unconstrained CA still must not shadow public names
  const policy = await currentPolicy(await resolveHome(options.home))
  const wanted = hostNames(inputs, options.force ?? false, policy.constrained ? policy : defaultPolicy())
  return plan(options.machine ?? hostsMachine(), (current, others) => {
    const unchanged = wanted.filter((name) => current.includes(name))
    const elsewhere = wanted.filter((name) => !current.includes(name) && others.includes(name))
    const added = wanted.filter((name) => !current.includes(name) && !others.includes(name))
    return {names: [...current, ...added], added, removed: [], unchanged, elsewhere}
  })
}

/**
 * What `localcert hosts remove` would change; removing the last name removes the whole block.
 * @example await applyHostsChange(await planHostsRemove(['app.localhost']))
 */
export function planHostsRemove(inputs: readonly string[], options: {machine?: HostsMachine} = {}): Promise<HostsChange> {
  const unwanted = hostNames(inputs, true, defaultPolicy())
  return plan(options.machine ?? hostsMachine(), (current) => ({
    names: current.filter((name) => !unwanted.includes(name)),
    added: [],
    removed: unwanted.filter((name) => current.includes(name)),
    unchanged: unwanted.filter((name) => !current.includes(name)),
    elsewhere: [],
  }))
}

/**
 * Taking our whole block out (what `localcert uninstall` does).
 * @example const change = await planHostsBlockRemoval(); if (change.removed.length) await applyHostsChange(change)
 */
export function planHostsBlockRemoval(options: {machine?: HostsMachine} = {}): Promise<HostsChange> {
  return plan(options.machine ?? hostsMachine(), (current) => ({names: [], added: [], removed: current, unchanged: [], elsewhere: []}))
}

/**
 * Writes a planned change, under a lock so two localcert processes never interleave their edits; refuses when the
 * file changed since it was planned (someone else wrote it while we asked).
 * @example await applyHostsChange(await planHostsAdd(['app.localhost']))
 */
export async function applyHostsChange(change: HostsChange, machine: HostsMachine = hostsMachine()): Promise<void> {
  if (change.after === change.before) return
  // the lock sits in the temp directory: the hosts file's own directory is root's
  const lock = path.join(tmpdir(), `localcert-hosts-${machine.uid ?? 'user'}.lock`)
  await withLock(lock, async () => {
    if ((await readHostsText(change.file)) !== change.before) {
      throw new LocalcertError('WRITE_FAILED', `${change.file} changed while localcert was preparing its edit; nothing was written`, 'run the command again')
    }
    await writeHostsText(change.file, change.after, machine)
  })
}

/**
 * Our names in the hosts file, and the names other lines point to loopback (not ours: never removed by localcert).
 * @example const {ours, others} = await listHosts()
 */
export async function listHosts(options: {machine?: HostsMachine} = {}): Promise<{file: string; ours: string[]; others: string[]}> {
  const machine = options.machine ?? hostsMachine()
  const file = hostsFile(machine)
  const hosts = parseHosts(await readHostsText(file), file)
  return {file, ours: hosts.block?.names ?? [], others: hosts.otherLoopbackNames}
}
