import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class HostsAdd extends BaseCommand {
  static override summary = 'Point names at this machine (127.0.0.1 and ::1) in the hosts file'
  static override description = 'Point names at this machine (127.0.0.1 and ::1) in the hosts file, inside a block localcert manages'
  static override strict = false
  static override args = {names: Args.string({description: 'host names, e.g. app.localhost api.test (no wildcards, no IPs)', required: false})}
  static override examples = ['<%= config.bin %> hosts add app.localhost api.test', '<%= config.bin %> hosts add --yes app.localhost']
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask before writing through sudo (needed without a terminal)', default: false}),
    force: Flags.boolean({description: 'also add names outside .localhost/.test/.internal/.home.arpa/.local (this hides the real site of a public name)', default: false}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(HostsAdd)
    const {planHostsAdd} = await import('../../hosts/manage.js')
    const {confirmAndApply} = await import('../../cli/hosts-change.js')
    const change = await planHostsAdd(this.names(argv), {force: flags.force})
    const written = await confirmAndApply(change, {yes: flags.yes, log: (line) => this.note(line)})
    const summary = {file: change.file, added: written ? change.added : [], alreadyPresent: change.unchanged, elsewhere: change.elsewhere, written: written && change.after !== change.before}
    this.output(summary, () => {
      if (!written) return this.log(`Nothing was changed in ${change.file}.`)
      for (const name of change.added) this.log(`Added ${name} → 127.0.0.1, ::1 in ${change.file}.`)
      for (const name of change.unchanged) this.log(`${name} is already in the localcert block of ${change.file}.`)
      for (const name of change.elsewhere) this.log(`${name} already points to loopback on a line of ${change.file} outside the localcert block: left as it is.`)
    })
    // one name at a time is the hosts file's limit; on Linux one package lifts it for every *.localhost
    if (change.added.some((name) => name.endsWith('.localhost'))) {
      const {myhostnameAdvice, myhostnameStatus} = await import('../../lib/myhostname.js')
      const advice = myhostnameAdvice(await myhostnameStatus())
      if (advice) this.note(`Tip: ${advice}, at any depth, without adding each name.`)
    }
    return summary
  }
}
