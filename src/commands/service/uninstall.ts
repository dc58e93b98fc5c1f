import {BaseCommand} from '../../cli/base.js'

export default class ServiceUninstall extends BaseCommand {
  static override description = 'Stop running the ACME endpoint at login and remove the service files'
  static override examples = ['<%= config.bin %> service uninstall']

  async run(): Promise<unknown> {
    await this.parse(ServiceUninstall)
    const {uninstallService} = await import('../../service/manager.js')
    const result = await uninstallService()
    this.output(result, () => {
      this.log(result.removed ? `Stopped and removed ${result.file}` : 'The login service was not installed; nothing to do.')
      if (result.manualSteps) {
        this.log(`The service manager could not be reached (${result.reason ?? 'unknown reason'}); if it is running the endpoint, run:`)
        for (const step of result.manualSteps) this.log(`  ${step}`)
      }
    })
    return result
  }
}
