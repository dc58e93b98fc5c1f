import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ConfigGet extends BaseCommand {
  static override description = 'Print the value of one preference (the default when it is not set)'
  static override examples = ['<%= config.bin %> config get key-type', '<%= config.bin %> config get days --json']
  static override args = {
    key: Args.string({description: 'key-type, days, acme-port or shell-profile', required: true}),
  }

  async run(): Promise<unknown> {
    const {args} = await this.parse(ConfigGet)
    const {isPreferenceKey, listPreferences, PREFERENCES, unknownKey} = await import('../../state/preferences.js')
    if (!isPreferenceKey(args.key)) throw unknownKey(args.key)
    const entry = (await listPreferences()).find((preference) => preference.key === args.key)!
    // like `git config`/`npm config get`: the bare value on stdout, so `$(localcert config get days)` works
    this.output(entry, () => {
      if (entry.value !== undefined) this.log(String(entry.value))
      else this.note(`${entry.key} is not set: ${entry.usedBy.split(' ')[0]} uses ${PREFERENCES[entry.key].defaultText}`)
    })
    return entry
  }
}
