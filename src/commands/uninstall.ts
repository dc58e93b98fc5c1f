import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {uninstallMessage} from '../cli/service-report.js'
import {askYesNo, formatReports, selectionFlags, trustOptions} from '../cli/trust-report.js'
import {isLocalcertError, LocalcertError} from '../errors.js'
import type {HostsChange} from '../hosts/manage.js'
import type {EndpointInfo} from '../state/discovery.js'
import type {ServiceStatus} from '../service/manager.js'
import {PREFERENCES_FILE_NAME} from '../state/preferences.js'

export default class Uninstall extends BaseCommand {
  static override summary = 'Undo it all: trust stores, shell profiles, service, hosts block, then the CA'
  static override description = 'Undo it all: remove the root from every trust store and shell profile, the login service and the localcert block from the hosts file, then delete the CA directory (--keep-ca keeps it)'
  static override examples = ['<%= config.bin %> uninstall', '<%= config.bin %> uninstall --yes', '<%= config.bin %> uninstall --yes --no-system', '<%= config.bin %> uninstall --yes --keep-ca']
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (needed without a terminal)', default: false}),
    force: Flags.boolean({description: 'delete the CA even if some store could not be cleaned (you can still remove it later with `trust uninstall --fingerprint`)', default: false}),
    'keep-ca': Flags.boolean({description: 'remove the trust (stores, profiles, service, hosts block) but keep the CA directory and its keys', default: false}),
    stores: selectionFlags.stores,
    system: selectionFlags.system,
    'java-home': selectionFlags['java-home'],
    'nss-db': selectionFlags['nss-db'],
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Uninstall)
    const {HOME_ENV, resolveHome} = await import('../state/paths.js')
    const {inspectHome, removeEverything} = await import('../trust/remove-all.js')
    const {trustStatus} = await import('../trust/everywhere.js')
    const {serviceStatus, uninstallService} = await import('../service/manager.js')
    const home = await resolveHome()
    const log = (line: string) => this.note(line)
    // every precondition is checked before anything changes: the flags, a running endpoint, the hosts file
    const options = trustOptions(flags, home, log)
    const {root, endpoint} = await inspectHome(home)
    const service = await serviceStatus({home})
    await assertEndpointCanStop(endpoint, service, flags['keep-ca'])
    const {planHostsBlockRemoval} = await import('../hosts/manage.js')
    // a block edited by hand (or an unreadable hosts file) is reported at the end; it never keeps the rest in place
    const hosts: HostsChange | LocalcertError = await planHostsBlockRemoval().catch((error: unknown) => {
      if (isLocalcertError(error)) return error
      throw error
    })
    if (!flags.yes) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) {
        throw new LocalcertError('NEEDS_CONFIRMATION', 'localcert uninstall deletes your CA and asks first, but there is no terminal to ask on', 'run `localcert uninstall --yes` to confirm')
      }
      const caPart = flags['keep-ca'] ? `keep ${home} (the CA and its keys)` : `delete ${home} (the CA and its keys: certificates it issued stop being trusted)`
      const what = (service.installed ? `stop and remove the login service (${service.file}), ` : '') + (!(hosts instanceof Error) && hosts.removed.length ? `remove ${hosts.removed.join(', ')} from ${hosts.file}, ` : '') + (root ? `remove the root ${root.fingerprint.slice(0, 16)} from ${flags.stores || !flags.system ? 'the selected' : 'every'} trust store and ` : '') + caPart
      if (!(await askYesNo(`This will ${what}. Continue?`))) {
        this.note('Nothing was changed.')
        return {home, removed: false}
      }
    }
    if (service.installed) {
      log(uninstallMessage(await uninstallService({home})))
      if (endpoint?.service && !flags['keep-ca']) await waitForEndpointToStop(home)
    }
    const hostsCleaned = await removeHostsBlock(hosts, log)
    const result = await removeEverything(home, root, {...options, dedicatedHome: !process.env[HOME_ENV], force: flags.force, keepCa: flags['keep-ca']})
    // every store, selected or not: what still trusts our root (or another localcert root) is said, never hidden
    const everyStore = {localcertHome: home, log, javaHomes: flags['java-home'], nssDbs: flags['nss-db']}
    const after = await trustStatus(root, everyStore)
    const stillOurs = root ? after.filter((row) => row.status === 'present') : []
    const leftover = root ? after.filter((row) => Boolean(row.otherLocalcertRoots?.length)) : after.filter((row) => row.status === 'present')
    const planned = hosts instanceof Error ? undefined : hosts
    const hostsProblem = hosts instanceof Error ? hosts : undefined
    const summary = {home, ...result, keptCa: flags['keep-ca'], hostsFile: planned?.file, hostsNamesRemoved: hostsCleaned && planned ? planned.removed : [], stillTrustingThisRoot: stillOurs, leftoverLocalcertRoots: leftover}
    this.output(summary, () => {
      if (result.stores.length) this.log(formatReports(result.stores))
      if (planned && hostsCleaned && planned.removed.length) this.log(`Removed the localcert block from ${planned.file} (${planned.removed.join(', ')}).`)
      else if (planned && !hostsCleaned) this.log(`Kept the localcert block in ${planned.file} (see above): remove it with \`localcert hosts remove ${planned.removed.join(' ')}\`.`)
      else if (hostsProblem) this.log(`Left the hosts file as it is: ${hostsProblem.message}\n  → ${hostsProblem.hint}`)
      for (const file of result.profilesCleaned) this.log(`Removed the localcert line from ${file}.`)
      const secret = result.keySecret
      if (secret?.outcome === 'deleted') this.log(`Deleted the CA's secret from the credential store (service localcert, account ${secret.account}).`)
      else if (secret?.outcome === 'absent') this.log(`The CA's secret (service localcert, account ${secret.account}) was already gone from the credential store.`)
      else if (secret) this.log(`Could not delete the CA's secret from the credential store (${secret.detail}): delete it with \`${secret.manual}\`.`)
      if (flags['keep-ca']) this.log(`Kept ${home} (--keep-ca): ${result.kept.join(', ') || 'nothing was in it'}. \`localcert trust install\` trusts this CA again; \`localcert uninstall\` deletes it.`)
      else if (result.homeRemoved) this.log(`Deleted ${home}.`)
      else if (result.leftInPlace.length) this.log(`Deleted what localcert created in ${home}; ${leftMessage(result.leftInPlace)}.`)
      else this.log(`Kept ${home}: some stores could not be cleaned (see above). Fix them and run \`localcert uninstall\` again, or add --force.`)
      if (root && stillOurs.length) this.log(`Still trusting ${flags['keep-ca'] ? 'this CA' : 'the deleted root'} (not selected, or not cleaned): ${stillOurs.map((row) => row.location).join('; ')}${flags['keep-ca'] ? '' : ` — \`localcert trust uninstall --fingerprint ${root.fingerprint.slice(0, 16)}\` removes it from them`}.`)
      this.log(leftover.length ? `Still trusting a localcert root: ${leftover.map((row) => row.location).join('; ')} (\`localcert trust status\` shows their fingerprints).` : 'No other localcert root left in any store.')
      if (!flags['keep-ca'] && process.env.NODE_EXTRA_CA_CERTS?.startsWith(home)) this.log('This shell still has the variables from `localcert env`: open a new shell.')
    })
    if ((!flags['keep-ca'] && !result.homeRemoved && !result.leftInPlace.length) || !hostsCleaned) process.exitCode = 1
    return summary
  }
}

/** What stayed in a shared LOCALCERT_HOME: the preferences on purpose (as `npm config` survives npm), anything else as not ours. */
function leftMessage(left: string[]): string {
  const others = left.filter((entry) => entry !== PREFERENCES_FILE_NAME)
  const parts = [left.includes(PREFERENCES_FILE_NAME) ? `kept ${PREFERENCES_FILE_NAME} (your preferences: \`localcert config list\`)` : undefined, others.length ? `left ${others.join(', ')} (not ours)` : undefined]
  return parts.filter(Boolean).join('; ')
}

/**
 * Refuses up front an endpoint that uninstall cannot stop: one started by hand (we never kill it), one whose service is
 * gone, or the service's while the service manager cannot be reached. With --keep-ca any may go on: nothing under it is deleted.
 */
async function assertEndpointCanStop(endpoint: EndpointInfo | undefined, service: ServiceStatus, keepCa: boolean): Promise<void> {
  if (!endpoint || keepCa) return
  const ours = endpoint.service && service.installed
  if (ours && service.running !== undefined) return
  if (ours) {
    throw new LocalcertError('ENDPOINT_RUNNING', `the login service runs an ACME endpoint from this CA (pid ${endpoint.pid}), and ${service.manager} cannot be reached to stop it (${service.detail ?? 'no answer'})`, 'run `localcert service uninstall` from a login session (or stop that pid), then `localcert uninstall` again')
  }
  const {endpointRunning} = await import('../trust/remove-all.js')
  throw endpointRunning(endpoint)
}

/** Takes our block out of the hosts file (uninstall was confirmed already); a failure is reported, not fatal: the rest still goes. */
async function removeHostsBlock(hosts: HostsChange | LocalcertError, log: (line: string) => void): Promise<boolean> {
  if (hosts instanceof Error) return false
  if (hosts.after === hosts.before) return true
  const {confirmAndApply} = await import('../cli/hosts-change.js')
  try {
    return await confirmAndApply(hosts, {yes: true, log})
  } catch (error) {
    if (!isLocalcertError(error)) throw error
    log(`Could not remove the localcert block from ${hosts.file}: ${error.message}\n  → ${error.hint}`)
    return false
  }
}

/** After the service manager stops `localcert serve`, give it up to 5 s to exit and withdraw its endpoint.json. */
async function waitForEndpointToStop(home: string): Promise<void> {
  const {endpointRunning, inspectHome} = await import('../trust/remove-all.js')
  for (let attempt = 0; ; attempt++) {
    const {endpoint} = await inspectHome(home)
    if (!endpoint) return
    if (attempt >= 50) throw endpointRunning(endpoint)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
