import {BaseCommand} from '../../cli/base.js'
import {uninstallMessage} from '../../cli/service-report.js'

export default class ServiceUninstall extends BaseCommand {
  static override description = 'Stop running the ACME endpoint at login and remove the service files'
  static override examples = ['<%= config.bin %> service uninstall']

  async run(): Promise<unknown> {
    await this.parse(ServiceUninstall)
    const {uninstallService} = await import('../../service/manager.js')
    const result = await uninstallService()
    this.output(result, () => this.log(uninstallMessage(result)))
    return result
  }
}
