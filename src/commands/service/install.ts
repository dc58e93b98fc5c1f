import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ServiceInstall extends BaseCommand {
  static override summary = 'Run the ACME endpoint (`localcert serve`) at login'
  static override description = 'Run the ACME endpoint (`localcert serve`) at login: a systemd --user unit, a launchd agent or a Windows logon task'
  static override examples = ['<%= config.bin %> service install', '<%= config.bin %> service install --port 8555']
  static override flags = {
    port: Flags.integer({description: 'port for `localcert serve --port` (default: serve\'s own)', min: 1, max: 65535}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(ServiceInstall)
    const {installService} = await import('../../service/manager.js')
    const result = await installService({port: flags.port})
    this.output(result, () => {
      this.log(`${result.changed ? 'Wrote' : 'Unchanged:'} ${result.file}`)
      if (result.manualSteps) {
        this.log(`Not started: ${result.reason ?? 'the service manager could not be reached'}.`)
        this.log('From a login session, run:')
        for (const step of result.manualSteps) this.log(`  ${step}`)
        return
      }
      this.log(`Started \`localcert serve\` via ${result.manager}; it will also start at every login.`)
      this.log('Check it with `localcert service status`; `localcert env` prints the ACME variables.')
    })
    return result
  }
}
