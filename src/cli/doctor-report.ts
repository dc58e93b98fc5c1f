import type {Check, DoctorReport} from '../doctor/check.js'
import {labelled} from './format.js'

const SYMBOLS: Record<Check['status'], string> = {ok: '✓', warn: '!', fail: '✗'}
const COLOURS: Record<Check['status'], number> = {ok: 32, warn: 33, fail: 31}

/**
 * `localcert doctor` for people: one line per check (✓ / ! / ✗, wrapped to the width), then the fixes, then a summary.
 * @example process.stdout.write(formatDoctor(report, {width: 100, colour: false}))
 */
export function formatDoctor(report: DoctorReport, options: {width: number; colour: boolean}): string {
  const paint = (status: Check['status'], text: string) => (options.colour ? `\u001b[${COLOURS[status]}m${text}\u001b[39m` : text)
  const idWidth = Math.min(Math.max(...report.checks.map((check) => check.id.length)), 24)
  const lines: string[] = []
  for (const check of report.checks) {
    const where = check.where ? ` [${check.where}]` : ''
    const text = labelled(`${SYMBOLS[check.status]} ${check.id.padEnd(idWidth)} `, `${check.found}${where}`, options.width)
    lines.push(paint(check.status, text.slice(0, 1)) + text.slice(1))
  }
  // one line per distinct fix, naming the checks it fixes; a command is never broken across lines (it must paste as
  // it is): a long one goes on a line of its own
  const fixes = new Map<string, Check[]>()
  for (const check of report.checks) if (check.status !== 'ok' && check.fix) fixes.set(check.fix, [...(fixes.get(check.fix) ?? []), check])
  if (fixes.size) lines.push('', 'To fix:')
  for (const [fix, checks] of fixes) {
    const status = checks.some((check) => check.status === 'fail') ? 'fail' : 'warn'
    const ids = checks.length > 3 ? `${checks.slice(0, 3).map((check) => check.id).join(', ')} +${checks.length - 3}` : checks.map((check) => check.id).join(', ')
    const line = `  ${SYMBOLS[status]} ${fix}   (${ids})`
    if (line.length <= options.width) lines.push(`  ${paint(status, SYMBOLS[status])} ${fix}   (${ids})`)
    else lines.push(`  ${paint(status, SYMBOLS[status])} ${fix}`, labelled('      ', `(${ids})`, options.width))
  }
  const failed = report.checks.filter((check) => check.status === 'fail').length
  const warned = report.checks.filter((check) => check.status === 'warn').length
  lines.push('', failed ? `${failed} problem${failed === 1 ? '' : 's'}, ${warned} warning${warned === 1 ? '' : 's'}.` : `No problem found${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`)
  return lines.join('\n') + '\n'
}
