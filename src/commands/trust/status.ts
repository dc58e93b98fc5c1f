import {BaseCommand} from '../../cli/base.js'
import {fit} from '../../cli/format.js'
import {formatReports, selectionFlags, trustOptions} from '../../cli/trust-report.js'

export default class TrustStatus extends BaseCommand {
  static override summary = 'Show, store by store, where the root is trusted'
  static override description = 'Show, store by store, where the root is trusted (with no CA: any localcert root left anywhere)'
  static override examples = ['<%= config.bin %> trust status', '<%= config.bin %> trust status --root team-root.pem', '<%= config.bin %> trust status --json']
  static override flags = {
    ...selectionFlags,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(TrustStatus)
    const {resolveHome} = await import('../../state/paths.js')
    const {loadTrustRoot, trustStatus} = await import('../../trust/everywhere.js')
    const home = await resolveHome()
    let root: Awaited<ReturnType<typeof loadTrustRoot>> | undefined
    try {
      root = await loadTrustRoot({home, rootFile: flags.root})
    } catch (error) {
      if ((error as {code?: string}).code !== 'CA_NOT_FOUND') throw error
    }
    const rows = await trustStatus(root, trustOptions(flags, home, (line) => this.note(line)))
    const present = rows.filter((row) => row.status === 'present')
    const summary = {home, root: root ? {fingerprint: root.fingerprint, subject: root.subject} : null, stores: rows}
    this.output(summary, () => {
      if (root) this.log(fit(`Root ${root.subject.split('\n').pop()} (SHA-256 ${root.fingerprint})`))
      else this.log(fit(`No CA in ${home}: looking for any localcert root left in the stores.`))
      this.log(formatReports(rows))
      if (root) this.log(fit(`Trusted in ${present.length} of ${rows.filter((row) => row.status !== 'not-found').length} places.`))
      else this.log(present.length ? `${present.length} place(s) still trust a localcert root: remove one with \`localcert trust uninstall --fingerprint <hex>\`.` : 'No localcert root left anywhere.')
    })
    return summary
  }
}
