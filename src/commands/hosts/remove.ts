import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class HostsRemove extends BaseCommand {
  static override summary = 'Take names out of the localcert block of the hosts file'
  static override description = 'Take names out of the localcert block of the hosts file (the block goes with its last name)'
  static override strict = false
  static override args = {names: Args.string({description: 'host names added with `localcert hosts add`', required: false})}
  static override examples = ['<%= config.bin %> hosts remove app.localhost', '<%= config.bin %> hosts remove --yes app.localhost api.test']
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask before writing through sudo (needed without a terminal)', default: false}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(HostsRemove)
    const {planHostsRemove} = await import('../../hosts/manage.js')
    const {confirmAndApply} = await import('../../cli/hosts-change.js')
    const change = await planHostsRemove(this.names(argv))
    const written = await confirmAndApply(change, {yes: flags.yes, log: (line) => this.note(line)})
    const summary = {file: change.file, removed: written ? change.removed : [], notInBlock: change.unchanged, written: written && change.after !== change.before}
    this.output(summary, () => {
      if (!written) return this.log(`Nothing was changed in ${change.file}.`)
      for (const name of change.removed) this.log(`Removed ${name} from ${change.file}.`)
      for (const name of change.unchanged) this.log(`${name} is not in the localcert block of ${change.file} (localcert only removes what it added).`)
    })
    return summary
  }
}
