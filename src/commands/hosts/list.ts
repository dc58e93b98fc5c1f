import {BaseCommand} from '../../cli/base.js'

export default class HostsList extends BaseCommand {
  static override summary = 'List the names localcert added to the hosts file, and others pointing here'
  static override description = 'List the names localcert added to the hosts file, and other names that point to this machine'
  static override examples = ['<%= config.bin %> hosts list', '<%= config.bin %> hosts list --json']

  async run(): Promise<unknown> {
    await this.parse(HostsList)
    const {listHosts} = await import('../../hosts/manage.js')
    const {myhostnameAdvice, myhostnameStatus} = await import('../../lib/myhostname.js')
    const listing = await listHosts()
    const myhostname = await myhostnameStatus()
    const summary = {...listing, myhostname}
    this.output(summary, () => {
      if (listing.ours.length === 0) this.log(`No localcert block in ${listing.file}.`)
      else this.log(`In the localcert block of ${listing.file} (127.0.0.1 and ::1):\n${listing.ours.map((name) => `  ${name}`).join('\n')}`)
      if (listing.others.length) this.log(`Other names pointing to loopback (not ours; \`hosts remove\` leaves them):\n${listing.others.map((name) => `  ${name}`).join('\n')}`)
      const advice = myhostnameAdvice(myhostname)
      if (myhostname.active) this.log('libnss-myhostname is enabled: every *.localhost name resolves to loopback without an entry.')
      else if (advice) this.log(`libnss-myhostname is not enabled: *.localhost names need an entry here for programs other than browsers, or ${advice}.`)
    })
    return summary
  }
}
