import {BaseCommand} from '../../cli/base.js'

export default class ConfigList extends BaseCommand {
  static override summary = 'List every preference, its value, default or set, and what uses it'
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
      const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)))
      for (const row of rows) this.log(row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ').trimEnd())
      this.log(`(${file}; flags on the command line always win)`)
    })
    return summary
  }
}
