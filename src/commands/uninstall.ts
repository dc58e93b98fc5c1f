import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {askYesNo, formatReports, selectionFlags} from '../cli/trust-report.js'
import {isLocalcertError, LocalcertError} from '../errors.js'
import type {HostsChange} from '../hosts/manage.js'

export default class Uninstall extends BaseCommand {
  static override description = 'Undo it all: remove the root from every trust store and shell profile and the localcert block from the hosts file, then delete the CA directory'
  static override examples = ['<%= config.bin %> uninstall', '<%= config.bin %> uninstall --yes']
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (needed without a terminal)', default: false}),
    force: Flags.boolean({description: 'delete the CA even if some store could not be cleaned (you can still remove it later with `trust uninstall --fingerprint`)', default: false}),
    'java-home': selectionFlags['java-home'],
    'nss-db': selectionFlags['nss-db'],
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Uninstall)
    const {HOME_ENV, resolveHome} = await import('../state/paths.js')
    const {endpointRunning, inspectHome, removeEverything} = await import('../trust/remove-all.js')
    const {trustStatus} = await import('../trust/everywhere.js')
    const {serviceStatus, uninstallService} = await import('../service/manager.js')
    const home = await resolveHome()
    const {root, endpoint} = await inspectHome(home)
    // Our own login service is part of "it all"; any other running endpoint is the user's to stop.
    const service = await serviceStatus({home})
    if (endpoint && !service.installed) throw endpointRunning(endpoint)
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
      const what = (service.installed ? `stop and remove the login service (${service.file}), ` : '') + (!(hosts instanceof Error) && hosts.removed.length ? `remove ${hosts.removed.join(', ')} from ${hosts.file}, ` : '') + (root ? `remove the root ${root.fingerprint.slice(0, 16)} from every trust store and delete ${home} (the CA and its keys: certificates it issued stop being trusted)` : `delete ${home}`)
      if (!(await askYesNo(`This will ${what}. Continue?`))) {
        this.note('Nothing was changed.')
        return {home, removed: false}
      }
    }
    const log = (line: string) => this.note(line)
    if (service.installed) {
      const removed = await uninstallService({home})
      log(removed.manualSteps ? `Removed ${removed.file}; the service manager could not be reached: ${removed.manualSteps.join('; ')}` : `Stopped and removed the login service (${removed.file}).`)
      await waitForEndpointToStop(home)
    }
    const hostsCleaned = await removeHostsBlock(hosts, log)
    const options = {localcertHome: home, log, javaHomes: flags['java-home'], nssDbs: flags['nss-db']}
    const result = await removeEverything(home, root, {...options, dedicatedHome: !process.env[HOME_ENV], force: flags.force})
    const leftover = (await trustStatus(undefined, options)).filter((row) => row.status === 'present')
    const planned = hosts instanceof Error ? undefined : hosts
    const hostsProblem = hosts instanceof Error ? hosts : undefined
    const summary = {home, ...result, hostsFile: planned?.file, hostsNamesRemoved: hostsCleaned && planned ? planned.removed : [], leftoverLocalcertRoots: leftover}
    this.output(summary, () => {
      if (result.stores.length) this.log(formatReports(result.stores))
      if (planned && hostsCleaned && planned.removed.length) this.log(`Removed the localcert block from ${planned.file} (${planned.removed.join(', ')}).`)
      else if (planned && !hostsCleaned) this.log(`Kept the localcert block in ${planned.file} (see above): remove it with \`localcert hosts remove ${planned.removed.join(' ')}\`.`)
      else if (hostsProblem) this.log(`Left the hosts file as it is: ${hostsProblem.message}\n  → ${hostsProblem.hint}`)
      for (const file of result.profilesCleaned) this.log(`Removed the localcert line from ${file}.`)
      if (result.homeRemoved) this.log(`Deleted ${home}.`)
      else if (result.leftInPlace.length) this.log(`Deleted what localcert created in ${home}; left ${result.leftInPlace.join(', ')} (not ours).`)
      else this.log(`Kept ${home}: some stores could not be cleaned (see above). Fix them and run \`localcert uninstall\` again, or add --force.`)
      this.log(leftover.length ? `Still trusting another localcert root: ${leftover.map((row) => row.location).join('; ')} (\`localcert trust status\` shows their fingerprints).` : 'No localcert root left in any store.')
      if (process.env.NODE_EXTRA_CA_CERTS?.startsWith(home)) this.log('This shell still has the variables from `localcert env`: open a new shell.')
    })
    if ((!result.homeRemoved && !result.leftInPlace.length) || !hostsCleaned) process.exitCode = 1
    return summary
  }
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
