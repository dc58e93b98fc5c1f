import {BaseCommand} from '../../cli/base.js'

export default class ServiceStatus extends BaseCommand {
  static override summary = 'Say whether the login service runs, and where the endpoint is (and whose it is)'
  static override description = 'Say whether the login service is installed and running, and where the endpoint is (and who started it)'
  static override examples = ['<%= config.bin %> service status', '<%= config.bin %> service status --json']

  async run(): Promise<unknown> {
    await this.parse(ServiceStatus)
    const {serviceStatus} = await import('../../service/manager.js')
    const status = await serviceStatus()
    this.output(status, () => {
      const detail = status.detail && status.installed ? ` (${status.manager}: ${status.detail})` : ''
      this.log(`${status.installed ? status.summary : 'not installed as a login service'}${detail}`)
      if (status.installed) this.log(`  file:     ${status.file}`)
      const endpoint = status.endpoint
      // the endpoint may be the service's or one started by hand: both facts, never one hiding the other
      if (endpoint) this.log(`  endpoint: ${endpoint.directoryUrl} (pid ${endpoint.pid}, ${endpoint.service ? 'run by the login service' : 'started by hand with `localcert serve`'})`)
      if (!status.installed) this.log(`Run \`localcert service install\` to start the ACME endpoint at login${endpoint && !endpoint.service ? ' (stop the one started by hand first: they would share a port and a state directory)' : ''}.`)
    })
    return status
  }
}
