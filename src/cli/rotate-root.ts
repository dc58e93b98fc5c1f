import {readFile, rm, writeFile} from 'node:fs/promises'
import type {StoreReport} from '../trust/everywhere.js'
import type {RootRotationPlan, RootRotationResult, RotationStep} from '../trust/rotate-root.js'

/** Test hook: with LOCALCERT_ROTATE_PAUSE=<file>, rotate --root writes each finished step there and waits until the file is deleted. */
export const PAUSE_ENV = 'LOCALCERT_ROTATE_PAUSE'

/**
 * The `between` callback of rotateRoot for the CLI: nothing unless LOCALCERT_ROTATE_PAUSE names a file (tests check
 * the stores between steps); an abort (Ctrl-C) ends the wait.
 */
export function rootRotationHook(signal: AbortSignal): ((step: RotationStep) => Promise<void>) | undefined {
  const file = process.env[PAUSE_ENV]
  if (!file) return undefined
  return async (step) => {
    await writeFile(file, `${step}\n`)
    while (!signal.aborted && (await readFile(file, 'utf8').then(() => true, () => false))) await new Promise((resolve) => setTimeout(resolve, 50))
    await rm(file, {force: true})
  }
}

const short = (fingerprint: string) => `${fingerprint.slice(0, 16)}…`

/** The question asked on a terminal before anything changes. */
export function rootRotationQuestion(plan: RootRotationPlan, reissue: boolean): string {
  const places = plan.places.filter((place) => place.status === 'present')
  const lines = [
    plan.phase === 'switched' ? `An earlier \`rotate --root\` switched the CA already; the old root ${short(plan.previousRoot)} is still trusted in:` : plan.phase === 'staged' ? `An earlier \`rotate --root\` staged a new root; it will be trusted, then used, in place of ${short(plan.previousRoot)}, in:` : `rotate --root makes a new root and intermediate, trusts the new root wherever the current one ${short(plan.previousRoot)} is trusted:`,
    ...places.map((place) => `  ${place.store}: ${place.location}`),
    ...(places.length === 0 ? ['  (no store trusts it: nothing is installed or removed)'] : []),
    'then switches the CA to it (running `localcert serve` and dev servers using autoRenew move on their own),',
    reissue ? 're-signs the live certificates `localcert cert` wrote, in place, and last removes the old root from those stores.' : 'and last removes the old root from those stores (add --reissue to re-sign the files `localcert cert` wrote).',
    'Both roots are trusted in each store until its new root is verified; stores that need root use sudo.',
  ]
  return lines.join('\n')
}

/** The human report of a rotation, finished or stopped at a safe point. */
export function rootRotationSummary(result: RootRotationResult, table: (rows: StoreReport[]) => string): string {
  const lines: string[] = []
  if (result.installed.length) lines.push(`The new root ${short(result.root)} in the stores that trusted ${short(result.previousRoot)}:`, table(result.installed))
  if (result.failedAt === 'install') {
    lines.push('', `Stopped before the switch: the CA still uses ${short(result.previousRoot)}, trusted where it was; the new root is staged.`, `Fix what failed, then run \`${result.rerun}\`: it goes on with the same new root.`)
    return lines.join('\n')
  }
  lines.push(`The CA now uses the root ${short(result.root)} (intermediate ${short(result.intermediate)}); the old root's key is deleted, its certificate kept in ca/retired.`)
  if (result.endpoint) lines.push(result.endpoint.moved ? `The running ACME endpoint on port ${result.endpoint.port} serves the new chain; ARI tells its clients to renew.` : `The ACME endpoint on port ${result.endpoint.port} still serves the old chain: restart \`localcert serve\`, then run \`${result.rerun}\`.`)
  for (const leaf of result.reissued) lines.push(leaf.status === 'reissued' ? `Re-signed ${leaf.file} (${leaf.names.join(', ')})` : `Left ${leaf.file} alone: ${leaf.message}`)
  if (result.failedAt === 'endpoint') return lines.join('\n')
  if (result.removed.length) lines.push(`The old root ${short(result.previousRoot)} removed from:`, table(result.removed))
  if (result.failedAt === 'remove') lines.push('', `Some stores still trust the old root as well as the new one. Fix what failed, then run \`${result.rerun}\` to finish.`)
  else lines.push('Done. Dev servers without autoRenew pick up the new chain at their next start; `localcert cert` issues from it.')
  return lines.join('\n')
}
