/** One finding of `localcert doctor`: what was looked at, how it stands, what was found, and the one command that fixes it. */
export interface Check {
  /** Stable id scripts can branch on: `trust.nss`, `env.NODE_EXTRA_CA_CERTS`, `names.app.test`, `acme.endpoint`… */
  id: string
  /** ok: nothing to do; warn: works, but worth knowing (exit code stays 0); fail: something is broken (exit code 1). */
  status: 'ok' | 'warn' | 'fail'
  /** What was found, in one sentence. */
  found: string
  /** The one command (or step, when no command can do it) that fixes a warn or fail. */
  fix?: string
  /** Where, when the id alone does not say (a store's database, a variable's file). */
  where?: string
}

export interface DoctorReport {
  checks: Check[]
  /** False when any check failed. */
  ok: boolean
}

export function ok(id: string, found: string, where?: string): Check {
  return {id, status: 'ok', found, ...(where ? {where} : {})}
}

export function warn(id: string, found: string, fix?: string, where?: string): Check {
  return {id, status: 'warn', found, ...(fix ? {fix} : {}), ...(where ? {where} : {})}
}

export function fail(id: string, found: string, fix?: string, where?: string): Check {
  return {id, status: 'fail', found, ...(fix ? {fix} : {}), ...(where ? {where} : {})}
}

/** A report from checks: ok unless one failed. */
export function report(checks: Check[]): DoctorReport {
  return {checks, ok: checks.every((check) => check.status !== 'fail')}
}

/** A check that could not run (a tool missing, a manager unreachable) says so as a warning instead of breaking doctor. */
export async function guarded(id: string, run: () => Promise<Check[]>): Promise<Check[]> {
  try {
    return await run()
  } catch (error) {
    const hint = (error as {hint?: string}).hint
    return [warn(id, `could not check: ${(error as Error).message}`, hint)]
  }
}

export const DAY_MS = 86_400_000

/** `2026-12-01 (in 364 days)` / `(12 days ago)`. */
export function when(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / DAY_MS)
  return `${iso.slice(0, 10)} (${days >= 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`})`
}
