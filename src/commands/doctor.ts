import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {selectionFlags} from '../cli/trust-report.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check everything localcert relies on, each problem with the command to fix it'
  static override description = 'Check everything localcert relies on (stores, runtime variables, names, the ACME endpoint, lifetimes, keys, the clock), each problem with the command that fixes it; exit code 1 when something is wrong'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json', '<%= config.bin %> doctor --browser', '<%= config.bin %> doctor --no-system --stores nss,runtimes']
  static override flags = {
    browser: Flags.boolean({description: 'instead: serve https://localcert.localhost:PORT on loopback, open the default browser on it, and say whether it trusts the root', default: false}),
    timeout: Flags.integer({description: 'with --browser: seconds to wait for the page to load', default: 60, min: 1}),
    stores: selectionFlags.stores,
    system: selectionFlags.system,
    'java-home': selectionFlags['java-home'],
    'nss-db': selectionFlags['nss-db'],
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Doctor)
    const {resolveHome} = await import('../state/paths.js')
    const {report} = await import('../doctor/check.js')
    const home = await resolveHome()
    let result
    if (flags.browser) {
      const {browserCheck} = await import('../doctor/browser.js')
      const check = await browserCheck({home, timeoutMs: flags.timeout * 1000, onUrl: (url) => this.note(`Opening ${url} in your browser (open it yourself if nothing appears; waiting ${flags.timeout} s)…`)})
      result = report([check])
    } else {
      const {trustOptions} = await import('../cli/trust-report.js')
      const {runDoctor} = await import('../doctor/run.js')
      const {localcertHome: _home, ...trust} = trustOptions(flags, home, (line) => this.note(line))
      result = await runDoctor({home, trust})
    }
    const {formatDoctor} = await import('../cli/doctor-report.js')
    const {colorLevel} = await import('../cli/progress.js')
    const {DEFAULT_WIDTH, terminalWidth} = await import('../cli/format.js')
    this.output(result, () => {
      if (flags.browser && result.ok) this.log('✓ your browser trusts localcert')
      process.stdout.write(formatDoctor(result, {width: Math.min(terminalWidth(process.stdout), DEFAULT_WIDTH), colour: colorLevel(process.stdout) > 0}))
    })
    if (!result.ok) process.exitCode = 1
    return result
  }
}
