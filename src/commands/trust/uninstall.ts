import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {fit} from '../../cli/format.js'
import {formatReports, selectionFlags, trustOptions} from '../../cli/trust-report.js'

export default class TrustUninstall extends BaseCommand {
  static override summary = 'Remove the root from every store, then verify each; the CA itself stays'
  static override description = 'Remove the root from every store (certificate and trust settings), then verify each; the CA itself stays'
  static override examples = [
    '<%= config.bin %> trust uninstall',
    '<%= config.bin %> trust uninstall --stores nss --dry-run',
    '<%= config.bin %> trust uninstall --root team-root.pem',
    '<%= config.bin %> trust uninstall --fingerprint 3f9a0c1d2e4b5a6f',
  ]
  static override flags = {
    ...selectionFlags,
    fingerprint: Flags.string({description: 'remove the root with this SHA-256 fingerprint (≥ 16 hex digits), found in the stores themselves: for a CA whose files are gone'}),
    'dry-run': Flags.boolean({description: 'print the commands that would run, change nothing', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(TrustUninstall)
    const {resolveHome} = await import('../../state/paths.js')
    const {loadTrustRoot, rootFromStores, uninstallRoot} = await import('../../trust/everywhere.js')
    const home = await resolveHome()
    const options = {...trustOptions(flags, home, (line: string) => this.note(line)), dryRun: flags['dry-run']}
    const root = flags.fingerprint ? await rootFromStores(flags.fingerprint, options) : await loadTrustRoot({home, rootFile: flags.root})
    if (!root) {
      // uninstall is idempotent: a root no store holds any more is "already gone", which is success
      const summary = {home, root: {fingerprint: flags.fingerprint}, dryRun: flags['dry-run'], stores: []}
      this.output(summary, () => this.log(fit(`No store on this machine holds a certificate with fingerprint ${flags.fingerprint}…: already gone.`)))
      return summary
    }
    const rows = await uninstallRoot(root, options)
    const failed = rows.filter((row) => row.status === 'failed')
    const summary = {home, root: {fingerprint: root.fingerprint, subject: root.subject}, dryRun: flags['dry-run'], stores: rows}
    this.output(summary, () => {
      this.log(formatReports(rows))
      if (flags['dry-run']) this.log(fit('Dry run: nothing was changed.'))
      else if (failed.length) this.log(fit(`${failed.length} place(s) could not be cleaned; fix what the table says and run this again.`))
      else this.log(fit(doneMessage(flags, root.subject)))
    })
    if (failed.length) process.exitCode = 1
    return summary
  }
}

/** The last line names the root that was removed: localcert's own CA stays in its home, a --root or --fingerprint one is not ours to delete. */
function doneMessage(flags: {root?: string; fingerprint?: string}, subject: string): string {
  const name = subject.split('\n').pop()
  if (flags.root) return `Done: ${name} (from ${flags.root}) is no longer trusted by these stores; the file itself was left alone. Restart browsers that were open.`
  if (flags.fingerprint) return `Done: ${name} is no longer trusted by these stores. Restart browsers that were open.`
  return 'Done. The CA is still there (`localcert uninstall` removes it too); restart browsers that were open.'
}
