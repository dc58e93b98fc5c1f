import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ConfigSet extends BaseCommand {
  static override description = 'Set a preference: the default that a command uses when its flag is not given'
  static override examples = ['<%= config.bin %> config set key-type rsa', '<%= config.bin %> config set days 30', '<%= config.bin %> config set acme-port 14000', '<%= config.bin %> config set shell-profile true']
  static override args = {
    key: Args.string({description: 'key-type, days, acme-port or shell-profile', required: true}),
    value: Args.string({description: 'the new value (`localcert config list` shows what each key takes)', required: true}),
  }

  async run(): Promise<unknown> {
    const {args} = await this.parse(ConfigSet)
    const {setPreference} = await import('../../state/preference-store.js')
    const result = await setPreference(args.key, args.value)
    this.output(result, () => this.log(`${result.key} = ${result.value} (saved in ${result.file})`))
    return result
  }
}
