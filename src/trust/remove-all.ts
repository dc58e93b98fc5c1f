import {readdir, rm, rmdir} from 'node:fs/promises'
import path from 'node:path'
import {readMeta} from '../ca/authority.js'
import {readEndpoint, type EndpointInfo} from '../state/discovery.js'
import {forgetSecret, manualDeletion} from '../state/key-protection.js'
import {caPaths} from '../state/paths.js'
import {LocalcertError} from '../errors.js'
import {createContext} from './context.js'
import {uninstallRoot, type StoreReport, type TrustRunOptions} from './everywhere.js'
import {loadTrustRoot, type TrustRoot} from './root.js'
import {SHELLS} from './shell-env.js'
import {ShellProfileTarget} from './stores/shell-profile.js'

/**
 * What localcert itself creates in its home; a custom LOCALCERT_HOME may hold other things, which we leave. `only`
 * limits an entry to the files of ours inside it: `dev` is a common folder name, so only the dev-server cache goes.
 */
const OURS: Array<{entry: RegExp; only?: RegExp}> = [
  {entry: /^(ca|issued\.jsonl|acme|trust|service)$/},
  {entry: /^state\.lock/},
  {entry: /^issued\.jsonl\.lock$/},
  // the audit log is part of the CA's home: it goes with the CA (its head, lock and a torn atomic write too)
  {entry: /^audit\.jsonl(\.head|\.lock|\.head\.[0-9a-f]+)?$/},
  {entry: /^\.ca-staging-/},
  {entry: /^dev$/, only: /^[0-9a-f]{16}\.json$/},
]

export interface UninstallResult {
  stores: StoreReport[]
  profilesCleaned: string[]
  homeRemoved: boolean
  /** Entries of a custom home that localcert did not create, left where they were. */
  leftInPlace: string[]
  /** With keepCa: what stays in the home (the CA, its keys, the inventory…). */
  kept: string[]
  /** The CA's secret in the credential store (keyring protection only): deleted with the CA, or how to delete it by hand. */
  keySecret?: {account: string; outcome: 'deleted' | 'absent' | 'failed'; detail?: string; manual?: string}
}

export interface RemoveEverythingOptions extends TrustRunOptions {
  dedicatedHome: boolean
  force: boolean
  /** Remove the trust only: the home (CA directory, keys, inventory, dev cache) stays as it is. */
  keepCa?: boolean
}

/** Refusal while an ACME endpoint serves from this CA: it would keep issuing (or recreate the CA). We never kill it. */
export function endpointRunning(endpoint: EndpointInfo): LocalcertError {
  return new LocalcertError('ENDPOINT_RUNNING', `an ACME endpoint from this CA is running (pid ${endpoint.pid}, ${endpoint.directoryUrl})`, `stop it first (a login service: \`localcert service uninstall\`; otherwise stop \`localcert serve\`, pid ${endpoint.pid}), then run \`localcert uninstall\` again`)
}

/** What `localcert uninstall` is about to remove: the root (when there is a CA) and a running ACME endpoint, if any. */
export async function inspectHome(home: string): Promise<{root?: TrustRoot; endpoint?: EndpointInfo}> {
  const endpoint = await readEndpoint(home)
  try {
    return {root: await loadTrustRoot({home}), ...(endpoint ? {endpoint} : {})}
  } catch (error) {
    if ((error as LocalcertError).code === 'CA_NOT_FOUND') return endpoint ? {endpoint} : {}
    throw error
  }
}

/**
 * Removes the root from every store, our line from every shell profile, then the CA directory. When a store
 * could not be cleaned the CA is kept (its root file is what a rerun needs) unless `force`.
 * @example await removeEverything(home, root, {localcertHome: home, dedicatedHome: true, force: false})
 */
export async function removeEverything(home: string, root: TrustRoot | undefined, options: RemoveEverythingOptions): Promise<UninstallResult> {
  const endpoint = await readEndpoint(home)
  if (endpoint && !options.keepCa) throw endpointRunning(endpoint)
  const stores = root ? await uninstallRoot(root, {...options, localcertHome: home}) : []
  const ctx = createContext({...options, localcertHome: home})
  const profilesCleaned: string[] = []
  // a kept home keeps trust/ too, so a profile line is ours to remove only when the runtimes store was selected
  const cleanProfiles = !options.keepCa || selectsRuntimes(options)
  for (const shell of cleanProfiles ? SHELLS : []) {
    const profile = new ShellProfileTarget(ctx, shell, async () => [])
    if (await profile.hasLine()) {
      await profile.removeLine()
      profilesCleaned.push(profile.file)
    }
  }
  const failed = stores.filter((row) => row.status === 'failed')
  if (options.keepCa) return {stores, profilesCleaned, homeRemoved: false, leftInPlace: [], kept: (await readdir(home).catch(() => [] as string[])).sort()}
  if (failed.length > 0 && !options.force) return {stores, profilesCleaned, homeRemoved: false, leftInPlace: [], kept: []}
  const keySecret = await forgetCaSecret(home)
  const leftInPlace = await deleteHome(home, options.dedicatedHome)
  return {stores, profilesCleaned, homeRemoved: leftInPlace.length === 0, leftInPlace, kept: [], ...(keySecret ? {keySecret} : {})}
}

/** Deletes the CA's secret from the credential store (needs no key: the account is in ca.json), before its files go. */
async function forgetCaSecret(home: string): Promise<UninstallResult['keySecret']> {
  const protection = (await readMeta(caPaths(home)).catch(() => undefined))?.protection
  if (protection?.mode !== 'keyring' || !protection.account) return undefined
  const {outcome, detail} = await forgetSecret(protection)
  if (outcome === 'none') return undefined
  return {account: protection.account, outcome, ...(detail ? {detail, manual: manualDeletion(protection.account)} : {})}
}

/** Whether a run with these options touches the runtimes store (bundle files and shell profiles). */
function selectsRuntimes(options: TrustRunOptions): boolean {
  return !options.stores?.length || options.stores.includes('runtimes')
}

/** Deletes the home: all of it when it is localcert's own directory, else only what localcert created. */
async function deleteHome(home: string, dedicated: boolean): Promise<string[]> {
  if (dedicated) {
    await rm(home, {recursive: true, force: true})
    return []
  }
  const left: string[] = []
  for (const entry of await readdir(home).catch(() => [] as string[])) {
    const ours = OURS.find((rule) => rule.entry.test(entry))
    if (!ours) left.push(entry)
    else if (!ours.only) await rm(path.join(home, entry), {recursive: true, force: true})
    else left.push(...(await deleteOwnFiles(path.join(home, entry), ours.only)).map((name) => `${entry}/${name}`))
  }
  if (left.length === 0) await rmdir(home).catch(() => undefined)
  return left
}

/** Deletes the files of `dir` that `ours` matches, and `dir` once nothing else is in it; returns what was left. */
async function deleteOwnFiles(dir: string, ours: RegExp): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[])
  for (const name of entries.filter((item) => ours.test(item))) await rm(path.join(dir, name), {force: true})
  const others = entries.filter((name) => !ours.test(name))
  if (others.length === 0) await rmdir(dir).catch(() => undefined)
  return others
}
