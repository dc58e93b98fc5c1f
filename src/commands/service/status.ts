import {BaseCommand} from '../../cli/base.js'

export default class ServiceStatus extends BaseCommand {
  static override description = 'Say whether the login service is installed and running, and where the endpoint is'
  static override examples = ['<%= config.bin %> service status', '<%= config.bin %> service status --json']

  async run(): Promise<unknown> {
    await this.parse(ServiceStatus)
    const {serviceStatus} = await import('../../service/manager.js')
    const status = await serviceStatus()
    this.output(status, () => {
      const detail = status.detail && status.installed ? ` (${status.manager}: ${status.detail})` : ''
      this.log(`${status.summary}${detail}`)
      if (status.installed) this.log(`  file:     ${status.file}`)
      if (status.endpoint) this.log(`  endpoint: ${status.endpoint.directoryUrl} (pid ${status.endpoint.pid})`)
      if (!status.installed) this.log('Run `localcert service install` to start the ACME endpoint at login.')
    })
    return status
  }
}
