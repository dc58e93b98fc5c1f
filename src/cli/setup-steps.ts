import {homedir} from 'node:os'
import type {InstallPlan, PlannedPlace, StoreReport} from '../trust/everywhere.js'
import type {Progress} from './progress.js'

/** What setup prints before and while it works: the plan, then one line per place. Terminal concerns only. */

const STORE_COLUMN = 9

/** `~/…` for paths under the user's home: the same place, in fewer columns. */
export function tildify(text: string, home = process.env.HOME ?? homedir()): string {
  return home && home !== '/' ? text.split(home + '/').join('~/') : text
}

function label(store: string): string {
  return store.padEnd(STORE_COLUMN)
}

/** The places that will change (install), in plan order. */
export function changing(plan: InstallPlan | undefined): PlannedPlace[] {
  return plan?.places.filter((place) => place.action === 'install') ?? []
}

/**
 * The plan, before anything changes: what will be created and which places will be touched, each with why it
 * needs sudo or a dialog. Undefined when there is nothing to do.
 * @example progress.line(describePlan(plan, {createCa: true, home}))
 */
export function describePlan(plan: InstallPlan | undefined, options: {createCa: boolean; home: string}): string | undefined {
  const places = changing(plan)
  if (!options.createCa && places.length === 0) return undefined
  const what = [options.createCa ? `create a local CA in ${tildify(options.home)}` : undefined, places.length ? `trust its root in ${places.length} place${places.length === 1 ? '' : 's'}` : undefined].filter(Boolean).join(', then ')
  const lines = [`Plan: ${what}.`]
  for (const place of places) {
    const how = place.elevation ? ` — ${place.elevation.how === 'sudo' ? 'through sudo' : 'a dialog asks you'}: ${place.elevation.why}` : ''
    lines.push(`  ${label(place.store)}${tildify(place.location)}${how}`)
  }
  const elevated = places.filter((place) => place.elevation?.how === 'sudo')
  if (elevated.length > 0 && !plan!.ctx.interactive) lines.push('  Without a terminal sudo cannot ask for a password (sudo -n): run `sudo -v` first, or those places are reported as failed.')
  return lines.join('\n')
}

/** What happened at one place, in a few words. */
function outcome(report: StoreReport): string {
  switch (report.status) {
    case 'installed':
      return 'trusted now, verified by the store'
    case 'already-present':
      return 'already trusts this root'
    case 'skipped':
      return report.message ?? 'skipped'
    case 'not-found':
      return report.message ?? 'not found'
    case 'failed':
      return `failed: ${report.message ?? 'unknown error'}`
    default:
      return report.status
  }
}

/**
 * One line per place as it finishes: ✓ trusted (now or already), ✗ failed (with the next step), – nothing done.
 * @example showOutcome(progress, report)
 */
export function showOutcome(progress: Progress, report: StoreReport): void {
  const where = tildify(report.location)
  const text = `${label(report.store)}${outcome(report)} · ${where}`
  if (report.status === 'installed' || report.status === 'already-present') progress.succeed(text)
  else if (report.status === 'failed') progress.fail(report.hint ? `${text} → ${report.hint}` : text)
  else progress.skip(report.hint ? `${text} → ${report.hint}` : text)
}

/** The spinner's text while a place changes. */
export function startText(place: PlannedPlace): string {
  return `${label(place.store)}trusting the root · ${tildify(place.location)}`
}
