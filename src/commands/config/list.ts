import {BaseCommand} from '../../cli/base.js'
import {table, terminalWidth} from '../../cli/format.js'

export default class ConfigList extends BaseCommand {
  static override summary = 'List every preference: its value, where it comes from and what uses it'
  static override description = 'List every preference, its value, where it comes from (default or set) and what uses it'
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json']

  async run(): Promise<unknown> {
    await this.parse(ConfigList)
    const {listPreferences, preferencesFile, PREFERENCES} = await import('../../state/preferences.js')
    const file = await preferencesFile()
    const preferences = await listPreferences()
    const summary = {file, preferences}
    this.output(summary, () => {
      const rows = preferences.map((entry) => [entry.key, entry.value === undefined ? PREFERENCES[entry.key].defaultText : String(entry.value), entry.source, entry.usedBy])
      // only what uses a key wraps: keys, values and sources stay whole
      this.log(table(rows, terminalWidth(), [3]))
      this.log(`(${file}; flags on the command line always win)`)
    })
    return summary
  }
}
