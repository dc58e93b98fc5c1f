import {readMeta} from '../ca/authority.js'
import {isLocalcertError} from '../errors.js'
import {readInventory} from '../state/inventory.js'
import {caPaths} from '../state/paths.js'
import {loadTrustRoot, type TrustRunOptions} from '../trust/everywhere.js'
import {clockChecks, keyChecks, lifetimeChecks} from './ca-health.js'
import {fail, guarded, report, type DoctorReport} from './check.js'
import {endpointChecks} from './endpoint.js'
import {nameChecks} from './names.js'
import {runtimeEnvChecks} from './runtime-env.js'
import {trustChecks} from './trust.js'

export type {Check, DoctorReport} from './check.js'

export interface DoctorOptions {
  home: string
  /** Which stores (the `trust` selection flags); every store of this machine by default. */
  trust?: Omit<TrustRunOptions, 'localcertHome'>
  /** The shell's environment, for the runtime variables (default: this process's). */
  env?: NodeJS.ProcessEnv
}

/**
 * Every check `localcert doctor` makes, run side by side (each reads, none changes anything): stores, runtime
 * variables, names, the ACME endpoint, the CA's lifetimes, key protection, the clock.
 * @example const {checks, ok} = await runDoctor({home: await resolveHome()})
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const {home} = options
  let meta, root
  try {
    meta = await readMeta(caPaths(home))
    if (!meta) return report([fail('ca', `there is no CA in ${home}`, 'localcert setup')])
    root = await loadTrustRoot({home})
  } catch (error) {
    // a CA that cannot be read is doctor's finding, not its failure
    if (!isLocalcertError(error)) throw error
    return report([fail('ca', error.message, error.hint)])
  }
  // read once for the names and the clock; a file that cannot be read is each one's warning (both await it at once)
  const issued = readInventory(caPaths(home).inventory)
  const groups = await Promise.all([
    guarded('trust', () => trustChecks(root, {...options.trust, localcertHome: home})),
    guarded('env', () => runtimeEnvChecks(root, {localcertHome: home, ...(options.env ? {env: options.env} : {})})),
    guarded('names', async () => nameChecks(await issued)),
    guarded('acme', () => endpointChecks(home, root)),
    Promise.resolve(lifetimeChecks(meta)),
    guarded('keys', () => keyChecks(home, meta)),
    guarded('clock', async () => clockChecks(await issued, meta)),
  ])
  return report(groups.flat())
}
