import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {formatDate, table} from '../cli/format.js'

export default class List extends BaseCommand {
  static override description = 'List the certificates this CA issued'
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --all --json']
  static override flags = {
    all: Flags.boolean({description: 'include expired certificates', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(List)
    const {readInventory} = await import('../state/inventory.js')
    const {caPaths, resolveHome} = await import('../state/paths.js')
    const entries = await readInventory(caPaths(await resolveHome()).inventory)
    const now = Date.now()
    const shown = entries.filter((entry) => flags.all || Date.parse(entry.notAfter) > now)
    this.output(shown, () => {
      if (shown.length === 0) {
        this.log(entries.length ? 'No valid certificates (use --all to include expired ones).' : 'No certificates issued yet. Try `localcert cert app.localhost`.')
        return
      }
      const rows = [['EXPIRES', 'SERIAL', 'SOURCE', 'NAMES', 'FILE']]
      for (const entry of shown) {
        const expired = Date.parse(entry.notAfter) <= now ? ' (expired)' : ''
        rows.push([formatDate(entry.notAfter) + expired, entry.serial.slice(0, 12), entry.source, entry.names.join(','), entry.certFile ?? entry.p12File ?? ''])
      }
      this.log(table(rows))
    })
    return shown
  }
}
