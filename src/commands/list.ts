import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {formatDate, table} from '../cli/format.js'
import {isLocalcertError} from '../errors.js'

export default class List extends BaseCommand {
  static override description = 'List the certificates this CA issued (the newest per file; revoked ones marked)'
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --all --json']
  static override flags = {
    all: Flags.boolean({description: 'include expired certificates (those expired more than 30 days ago are forgotten)', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(List)
    const {currentEntries, pruneInventory, readInventory} = await import('../state/inventory.js')
    const {caPaths, resolveHome} = await import('../state/paths.js')
    const file = caPaths(await resolveHome()).inventory
    // listing is a moment nobody notices a prune; a home we cannot lock still lists
    await pruneInventory(file).catch((error: unknown) => {
      if (!isLocalcertError(error)) throw error
    })
    const entries = currentEntries(await readInventory(file))
    const now = Date.now()
    const shown = entries.filter((entry) => flags.all || Date.parse(entry.notAfter) > now)
    this.output(shown, () => {
      if (shown.length === 0) {
        this.log(entries.length ? 'No valid certificates (use --all to include expired ones).' : 'No certificates issued yet. Try `localcert cert app.localhost`.')
        return
      }
      const rows = [['EXPIRES', 'SERIAL', 'SOURCE', 'NAMES', 'FILE']]
      for (const entry of shown) {
        const state = Date.parse(entry.notAfter) <= now ? ' (expired)' : entry.revoked ? ` (revoked ${formatDate(entry.revoked.at)})` : ''
        rows.push([formatDate(entry.notAfter) + state, entry.serial.slice(0, 12), entry.source, entry.names.join(','), entry.certFile ?? entry.p12File ?? ''])
      }
      // names and paths wrap; the date, its state and the serial stay on one line
      this.log(table(rows, undefined, [3, 4]))
    })
    return shown
  }
}
