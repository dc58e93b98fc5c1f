import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {fit, table} from '../cli/format.js'
import {LocalcertError} from '../errors.js'
import type {AuditLine} from '../state/audit.js'

export default class Log extends BaseCommand {
  static override summary = 'Show the audit log: what the CA signed, revoked, rotated and trusted'
  static override description = 'Show the audit log (every issuance, revocation, rotation and trust change, newest last); --verify checks its hash chain'
  static override examples = ['<%= config.bin %> log', '<%= config.bin %> log --since 2h', '<%= config.bin %> log --since 2026-01-31 --json', '<%= config.bin %> log --verify']
  static override flags = {
    since: Flags.string({description: 'only events since a duration ago (30m, 2h, 7d) or a date (2026-01-31, an ISO time)'}),
    verify: Flags.boolean({description: 'check the whole hash chain and its head; exit 1 at the first bad line', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Log)
    const {readAudit, verifyAudit} = await import('../state/audit.js')
    const {caPaths, resolveHome} = await import('../state/paths.js')
    const file = caPaths(await resolveHome()).audit
    if (flags.verify) {
      const verdict = await verifyAudit(file)
      this.output({file, ...verdict}, () => {
        if (verdict.ok) this.log(fit(`ok: ${verdict.lines} record(s), hash chain and head intact (${file})`))
        else this.log(fit(`bad: line ${verdict.line}: ${verdict.message} (${file})`))
      })
      if (!verdict.ok) process.exitCode = 1
      return verdict
    }
    const since = flags.since === undefined ? undefined : parseSince(flags.since)
    const events = (await readAudit(file)).filter((line) => since === undefined || Date.parse(line.time) >= since)
    this.output(events, () => {
      if (events.length === 0) {
        this.log(flags.since ? `No events since ${new Date(since!).toISOString()}.` : 'No events yet. Try `localcert cert app.localhost`.')
        return
      }
      const rows = [['TIME', 'EVENT', 'VIA', 'SERIAL', 'DETAILS']]
      for (const line of events) rows.push([line.time.slice(0, 19).replace('T', ' '), line.event, line.via, line.serial?.slice(0, 12) ?? '', details(line)])
      this.log(table(rows, undefined, [4]))
    })
    return events
  }
}

/** What a line is about, in a few words: names, the account, the fingerprints, the stores. */
function details(line: AuditLine): string {
  const parts: string[] = []
  if (line.names?.length) parts.push(line.names.join(','))
  if (line.purpose) parts.push(`(${line.purpose === 'endpoint-tls' ? 'the ACME endpoint’s own certificate' : 'doctor --browser’s check'})`)
  if (line.account) parts.push(`account ${line.account}`)
  if (line.reason !== undefined) parts.push(`reason ${line.reason}`)
  if (line.event !== 'issued' && line.event !== 'revoked') {
    if (line.intermediate && line.event.startsWith('intermediate')) parts.push(`intermediate ${line.intermediate.slice(0, 16)}…`)
    else if (line.root) parts.push(`root ${line.root.slice(0, 16)}…`)
    if (line.previous) parts.push(`replaces ${line.previous.slice(0, 16)}…`)
  }
  if (line.stores?.length) parts.push(line.stores.map((place) => `${place.store} ${place.location}`).join('; '))
  return parts.join(' ')
}

const UNITS: Record<string, number> = {s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/** `--since`: a duration back from now (90s, 30m, 2h, 7d, 1w) or a date/time Date.parse reads; epoch milliseconds. */
function parseSince(value: string): number {
  const text = value.trim()
  const duration = /^(\d+)([smhdw])$/.exec(text)
  if (duration) return Date.now() - Number(duration[1]) * UNITS[duration[2]!]!
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(date)) throw new LocalcertError('INVALID_ARGUMENT', `--since ${value} is neither a duration nor a date`, 'give a duration back from now (30m, 2h, 7d) or a date (2026-01-31, 2026-01-31T09:00:00Z)')
  return date
}
