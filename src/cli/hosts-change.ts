import {LocalcertError} from '../errors.js'
import type {HostsMachine} from '../hosts/file.js'
import type {HostsChange} from '../hosts/manage.js'
import {askYesNo} from './trust-report.js'

/** The lines a change adds or takes out, as the user will see them in the file. */
export function describeHostsChange(change: HostsChange): string[] {
  const lines = (names: string[]) => names.flatMap((name) => [`127.0.0.1 ${name}`, `::1 ${name}`])
  return [...lines(change.added).map((line) => `+ ${line}`), ...lines(change.removed).map((line) => `- ${line}`)]
}

/**
 * Writes a planned change, first explaining it when it needs root (what changes, why sudo) and asking on a terminal;
 * without one, `--yes` is the consent. Returns false when the user said no (nothing written).
 * @example if (await confirmAndApply(change, {yes: flags.yes, log: (line) => this.note(line)})) this.log('done')
 */
export async function confirmAndApply(change: HostsChange, options: {yes: boolean; log: (line: string) => void; machine?: HostsMachine}): Promise<boolean> {
  const {applyHostsChange} = await import('../hosts/manage.js')
  const {hostsMachine} = await import('../hosts/file.js')
  const machine = options.machine ?? hostsMachine()
  if (change.after === change.before) return true
  // Windows cannot elevate from here: applyHostsChange says so (NEEDS_ROOT) without a pointless question
  if (change.elevation && machine.platform !== 'win32') {
    options.log(`localcert will change the localcert block of ${change.file}:`)
    for (const line of describeHostsChange(change)) options.log(`  ${line}`)
    options.log(`${change.elevation}${machine.interactive ? ' (it may ask for your password)' : ' (sudo -n: no password prompt)'}; nothing else in the file changes.`)
    if (!options.yes) {
      if (!machine.interactive) throw new LocalcertError('NEEDS_CONFIRMATION', `changing ${change.file} needs root, and there is no terminal to ask on`, 'add --yes to confirm (sudo must then work without a password), or run the command as root')
      if (!(await askYesNo('Continue?'))) return false
    }
  }
  await applyHostsChange(change, machine)
  return true
}
