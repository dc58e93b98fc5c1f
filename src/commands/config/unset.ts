import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ConfigUnset extends BaseCommand {
  static override description = 'Remove a preference: the command goes back to its built-in default'
  static override examples = ['<%= config.bin %> config unset key-type']
  static override args = {
    key: Args.string({description: 'key-type, days, acme-port or shell-profile', required: true}),
  }

  async run(): Promise<unknown> {
    const {args} = await this.parse(ConfigUnset)
    const {unsetPreference} = await import('../../state/preference-store.js')
    const {PREFERENCES} = await import('../../state/preferences.js')
    const result = await unsetPreference(args.key)
    const fallback = PREFERENCES[result.key].defaultText
    this.output(result, () => this.log(result.wasSet ? `${result.key} unset: back to the default (${fallback})` : `${result.key} was not set: it is the default (${fallback})`))
    return result
  }
}
