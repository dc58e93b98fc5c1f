import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {fit} from '../../cli/format.js'
import {askYesNo, formatReports, trustFlags, trustOptions} from '../../cli/trust-report.js'

export default class TrustInstall extends BaseCommand {
  static override summary = 'Trust the root in every store on this machine, then verify each'
  static override description = 'Trust the root in every store on this machine (system, NSS, Java, Keychain, Windows, runtimes), then verify each'
  static override examples = [
    '<%= config.bin %> trust install',
    '<%= config.bin %> trust install --stores nss,java --dry-run',
    '<%= config.bin %> trust install --no-system --shell-profile',
    '<%= config.bin %> trust install --root team-root.pem',
  ]
  static override flags = {
    ...trustFlags,
    'dry-run': Flags.boolean({description: 'print the commands that would run, change nothing', default: false}),
    'shell-profile': Flags.boolean({description: 'also add one line to your shell profile that loads the `localcert env` runtime variables (default: `localcert config get shell-profile`)', allowNo: true}),
    shell: Flags.string({description: 'shell whose profile --shell-profile edits (default: from $SHELL)', options: ['bash', 'zsh', 'fish', 'powershell']}),
    yes: Flags.boolean({char: 'y', description: 'answer yes to every question (e.g. also trust on the Windows side of WSL)', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(TrustInstall)
    const {resolveHome} = await import('../../state/paths.js')
    const {installRoot, loadTrustRoot} = await import('../../trust/everywhere.js')
    const home = await resolveHome()
    const root = await loadTrustRoot({home, rootFile: flags.root})
    const rows = await installRoot(root, {
      ...trustOptions(flags, home, (line) => this.note(line)),
      dryRun: flags['dry-run'],
      shellProfile: flags['shell-profile'] ?? (await (await import('../../state/preferences.js')).readPreferences())['shell-profile'],
      shell: flags.shell,
      confirm: flags.yes ? async () => true : askYesNo,
    })
    const failed = rows.filter((row) => row.status === 'failed')
    const summary = {home, root: {fingerprint: root.fingerprint, subject: root.subject}, dryRun: flags['dry-run'], stores: rows}
    this.output(summary, () => {
      this.log(formatReports(rows))
      if (flags['dry-run']) this.log(fit('Dry run: nothing was changed.'))
      else if (failed.length) this.log(fit(`${failed.length} place(s) failed; the others are done. Fix what the table says and run this again (it is safe to repeat).`))
      else this.log(fit('Done. Restart browsers that were open; for Node, Python, curl and friends run: eval "$(localcert env)"'))
    })
    if (failed.length) process.exitCode = 1
    return summary
  }
}
