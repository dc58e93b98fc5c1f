import {readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import type {CaMeta} from '../ca/authority.js'
import {renewalAt} from '../ca/lifetime.js'
import {keyFiles} from '../ca/protect.js'
import {isLocalcertError} from '../errors.js'
import {describeProtection, openKeyPem} from '../state/key-protection.js'
import {run} from '../lib/exec.js'
import type {InventoryEntry} from '../state/inventory.js'
import {caPaths} from '../state/paths.js'
import {DAY_MS, fail, ok, warn, when, type Check} from './check.js'

/** A root this close to its end gets a warning, so the rotation happens before anything stops working. */
const ROOT_WARN_DAYS = 180
/** Files that hold private keys or secrets, which must be 0600: PEM keys, PKCS#12 bundles, the EAB key, the dev-server cache. */
const SECRET_FILE = /(^|[/-])key\.pem$|\.p12$|(^|\/)eab\.json$|^dev\/[^/]+\.json$/
/** An issuance stamped this far in the future means the clock went back since. */
const CLOCK_TOLERANCE_MS = 5 * 60_000

function rootCheck(meta: CaMeta, now: number): Check {
  const end = Date.parse(meta.root.notAfter)
  if (end <= now) return fail('ca.root', `the root expired ${when(meta.root.notAfter, now)}: no client accepts its certificates`, 'localcert rotate --root')
  if (end - now < ROOT_WARN_DAYS * DAY_MS) return warn('ca.root', `the root ends ${when(meta.root.notAfter, now)}`, 'localcert rotate --root')
  return ok('ca.root', `the root is valid until ${when(meta.root.notAfter, now)}`)
}

function intermediateCheck(meta: CaMeta, now: number): Check {
  const ends = when(meta.intermediate.notAfter, now)
  const renewsAt = renewalAt(meta.intermediate.notBefore, meta.intermediate.notAfter).toISOString()
  if (Date.parse(meta.root.notAfter) <= now) return fail('ca.intermediate', `the intermediate ended ${ends}, and none can outlive the expired root`, 'localcert rotate --root')
  if (Date.parse(meta.intermediate.notAfter) <= now) return warn('ca.intermediate', `the intermediate expired ${ends}; the next certificate issued renews it`, 'localcert rotate')
  if (Date.parse(renewsAt) <= now) return ok('ca.intermediate', `the intermediate ends ${ends}; a third of its life is left, so the next certificate issued renews it`)
  return ok('ca.intermediate', `the intermediate is valid until ${ends}, renewed automatically after ${renewsAt.slice(0, 10)}`)
}

/**
 * The root's and the intermediate's remaining life (the intermediate renews itself once a third is left).
 * @example const checks = lifetimeChecks(meta)
 */
export function lifetimeChecks(meta: CaMeta, now = Date.now()): Check[] {
  return [rootCheck(meta, now), intermediateCheck(meta, now)]
}

/** The secret files under `home` (SECRET_FILE matches their path inside it, with forward slashes). */
async function secretFiles(home: string, dir = home, depth = 3): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => [])
  const found: string[] = []
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory() && depth > 0) found.push(...(await secretFiles(home, full, depth - 1)))
    else if (entry.isFile() && SECRET_FILE.test(path.relative(home, full).split(path.sep).join('/'))) found.push(full)
  }
  return found
}

const openToOthers = async (file: string) => ((await stat(file).catch(() => undefined))?.mode ?? 0) & 0o077

/**
 * Whether the CA keys are encrypted and this process can open them: ok when the secret in the credential store opens
 * every key, warn in file mode (said loudly) or with keys an interrupted upgrade left plaintext, fail when locked.
 * @example const check = await protectionCheck(home, meta)
 */
export async function protectionCheck(home: string, meta: CaMeta): Promise<Check> {
  const line = describeProtection(meta.protection)
  if (meta.protection?.mode !== 'keyring') return warn('keys.protection', `${line}, safe only while their modes are 0600`)
  const keys = await keyFiles(caPaths(home))
  try {
    for (const key of keys) await openKeyPem(meta.protection, await readFile(key.file, 'utf8'), key.file)
  } catch (error) {
    if (!isLocalcertError(error)) throw error
    return fail('keys.protection', error.message, error.hint)
  }
  const plain = keys.filter((key) => !key.sealed)
  if (plain.length) return warn('keys.protection', `${line}, but ${plain.length} key file${plain.length === 1 ? ' is' : 's are'} still plaintext (an interrupted upgrade): ${plain.map((key) => key.file).join(', ')}`, 'localcert setup')
  return ok('keys.protection', `${line}; the secret opens all ${keys.length} key files`)
}

/**
 * How the keys are protected (protectionCheck), and their modes: every key and secret 0600, the state directory and
 * the CA directory 0700.
 * @example const checks = await keyChecks(home, meta)
 */
export async function keyChecks(home: string, meta: CaMeta, platform: NodeJS.Platform = process.platform): Promise<Check[]> {
  const checks = [await protectionCheck(home, meta)]
  if (platform === 'win32') return checks
  const secrets = await secretFiles(home)
  const loose: string[] = []
  for (const file of secrets) if (await openToOthers(file)) loose.push(file)
  checks.push(loose.length ? fail('keys.modes', `${loose.length} key file${loose.length === 1 ? '' : 's'} readable by others: ${loose.join(', ')}`, `chmod 600 ${loose.map(quoteArg).join(' ')}`) : ok('keys.modes', `${secrets.length} key file${secrets.length === 1 ? '' : 's'}, each 0600`))
  const dirs = [home, caPaths(home).ca]
  const open: string[] = []
  for (const dir of dirs) if (await openToOthers(dir)) open.push(dir)
  checks.push(open.length ? fail('keys.home', `open to other users: ${open.join(', ')}`, `chmod 700 ${open.map(quoteArg).join(' ')}`) : ok('keys.home', 'the state directory and the CA directory are 0700', home))
  return checks
}

function quoteArg(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/**
 * Clock skew without the network: a CA or an issuance from the future means the clock went back since; where
 * systemd keeps time, whether NTP is synchronised.
 * @example const checks = await clockChecks(await readInventory(caPaths(home).inventory), meta)
 */
export async function clockChecks(issued: readonly InventoryEntry[], meta: CaMeta, now = Date.now()): Promise<Check[]> {
  const stamps = [
    {what: 'the root', at: meta.root.notBefore},
    {what: 'the intermediate', at: meta.intermediate.notBefore},
    ...issued.map((entry) => ({what: `the certificate for ${entry.names[0] ?? entry.serial}`, at: new Date(Date.parse(entry.issuedAt) - CLOCK_TOLERANCE_MS).toISOString()})),
  ]
  const future = stamps.filter((stamp) => Date.parse(stamp.at) > now).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0]
  const timeFix = 'sudo timedatectl set-ntp true'
  const checks = [future ? fail('clock', `the clock is behind: ${future.what} is not valid before ${future.at}, later than now (${new Date(now).toISOString()})`, timeFix) : ok('clock', 'no certificate of this CA is from the future')]
  const ntp = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {timeoutMs: 3_000}).catch(() => undefined)
  const answer = ntp?.exitCode === 0 ? ntp.stdout.trim() : undefined
  if (answer === 'no') checks.push(warn('clock.ntp', 'the system clock is not synchronised (NTP)', timeFix))
  else if (answer === 'yes') checks.push(ok('clock.ntp', 'the system clock is synchronised (NTP)'))
  else checks.push(ok('clock.ntp', 'NTP state unknown here (no timedatectl, or no systemd)'))
  return checks
}
