import {LocalcertError, type ErrorCode} from '../errors.js'
import {createContext, type ContextInit} from './context.js'
import {STORES} from './stores/index.js'
import {isLocalcertSubject, parseRoot, shortFingerprint, type StoredCert, type TrustRoot} from './root.js'
import {auditTrustChange} from './trust-audit.js'
import {hasRoot, OS_STORES, VerificationError, type StoreId, type StoreTarget, type TrustContext, type TrustStore} from './store.js'

export type {StoreId, TrustRoot}
export {loadTrustRoot, parseRoot} from './root.js'
export {STORE_IDS} from './store.js'

export interface TrustRunOptions extends ContextInit {
  /** Only these stores (default: every store that applies to this machine). */
  stores?: StoreId[]
  /** false skips the OS stores (Linux system store, Keychain, Windows store): --no-system. */
  system?: boolean
  /** Asked before places that are opt-in with a question (the Windows side of WSL); absent means "no". */
  confirm?: (question: string) => Promise<boolean>
  /** Tests pass a prepared context. */
  context?: TrustContext
}

export type ReportStatus = 'present' | 'absent' | 'not-found' | 'installed' | 'already-present' | 'removed' | 'already-absent' | 'skipped' | 'failed' | 'planned'

/** One row of `trust status|install|uninstall`: a place, what happened there, and what to do next. */
export interface StoreReport {
  store: StoreId
  location: string
  status: ReportStatus
  /** For a failed row: the error's stable code (TRUSTED_ELSEWHERE, NEEDS_ROOT, TOOL_MISSING…). */
  code?: ErrorCode
  message?: string
  hint?: string
  /** --dry-run: the commands and changes that would run. */
  commands?: string[]
  /** Other localcert roots this place trusts (old CAs, other users'): short fingerprints. */
  otherLocalcertRoots?: string[]
}

/** Which stores a run looks at (none given: every store that applies to this machine). */
type Selection = Pick<TrustRunOptions, 'stores' | 'system'>

interface Found {
  store: TrustStore
  targets: StoreTarget[]
  rows: StoreReport[]
}

function selected(store: TrustStore, ctx: TrustContext, options: Selection): boolean {
  if (!store.appliesTo(ctx)) return false
  if (options.stores?.length) return options.stores.includes(store.id)
  return options.system !== false || !OS_STORES.includes(store.id)
}

/**
 * Every selected store's places on this machine, detected in parallel; a store whose detection failed brings its
 * failure as a row, and places it knows of but cannot use come as rows too.
 * @example for (const {targets} of await detectAll(ctx, {})) …
 */
export async function detectAll(ctx: TrustContext, options: Selection): Promise<Found[]> {
  const stores = STORES.filter((store) => selected(store, ctx, options))
  return Promise.all(
    stores.map(async (store): Promise<Found> => {
      try {
        const {targets, missing} = await store.detect(ctx)
        return {store, targets, rows: missing.map((entry) => ({store: store.id, location: entry.location, status: 'not-found' as const, message: entry.message, hint: entry.hint}))}
      } catch (error) {
        return {store, targets: [], rows: [failure(store.id, store.title, error)]}
      }
    }),
  )
}

function failure(store: StoreId, location: string, error: unknown): StoreReport {
  const {hint, code} = error instanceof LocalcertError ? error : {hint: undefined, code: undefined}
  return {store, location, status: 'failed', ...(code ? {code} : {}), message: (error as Error).message, ...(hint ? {hint} : {})}
}

function contextFor(options: TrustRunOptions): TrustContext {
  return options.context ?? createContext(options)
}

function otherRoots(certs: StoredCert[], root: TrustRoot | undefined): string[] {
  return [...new Set(certs.filter((cert) => isLocalcertSubject(cert.subject) && cert.fingerprint !== root?.fingerprint).map((cert) => shortFingerprint(cert.fingerprint)))]
}

/**
 * Where `root` is trusted, store by store. Without a root (no CA any more), lists every localcert root left
 * anywhere, so "nothing left" can be checked after `localcert uninstall`.
 * @example (await trustStatus(root, {localcertHome: home})).filter((row) => row.status === 'present')
 */
export async function trustStatus(root: TrustRoot | undefined, options: TrustRunOptions): Promise<StoreReport[]> {
  const ctx = contextFor(options)
  const found = await detectAll(ctx, options)
  const rows = await Promise.all(
    found.map(async ({store, targets, rows}) => {
      const checked = await Promise.all(
        targets.map(async (target): Promise<StoreReport> => {
          try {
            const certs = await target.list()
            const others = otherRoots(certs, root)
            const present = root ? certs.some((cert) => cert.fingerprint === root.fingerprint && cert.trusted !== false) : others.length > 0
            const hint = present ? target.note : !root ? undefined : target.choice?.install === 'yes' || !target.choice ? `localcert trust install --stores ${store.id}` : target.choice.hint
            return {store: store.id, location: target.location, status: present ? 'present' : 'absent', ...(hint ? {hint} : {}), ...(others.length ? {otherLocalcertRoots: others} : {})}
          } catch (error) {
            return failure(store.id, target.location, error)
          }
        }),
      )
      return [...checked, ...rows]
    }),
  )
  return rows.flat()
}

async function wanted(target: StoreTarget, options: TrustRunOptions): Promise<{go: boolean; hint?: string}> {
  const choice = target.choice
  if (!choice || choice.install === 'yes') return {go: true}
  if (choice.install === 'no') return {go: false, hint: choice.hint}
  if (options.stores?.includes(target.store)) return {go: true}
  const yes = choice.question && options.confirm ? await options.confirm(choice.question) : false
  return {go: yes, hint: choice.hint}
}

async function attempt(ctx: TrustContext, store: StoreId, target: StoreTarget, work: () => Promise<ReportStatus>): Promise<StoreReport> {
  ctx.planned = []
  try {
    const status = await work()
    const hint = status === 'installed' || status === 'already-present' ? target.note : undefined
    return {store, location: target.location, status, ...(status === 'planned' ? {commands: [...ctx.planned]} : {}), ...(hint ? {hint} : {})}
  } catch (error) {
    const report = failure(store, target.location, error)
    if (error instanceof VerificationError) report.message = `verification failed: ${error.message}`
    if (ctx.planned.length) report.commands = [...ctx.planned]
    return report
  }
}

/**
 * Runs `work` on every place of every selected store, one after the other (stores that need sudo or a dialog must
 * not ask at once), then the rows of places a store knows of but cannot use.
 */
async function eachTarget(ctx: TrustContext, options: TrustRunOptions, work: (store: StoreId, target: StoreTarget) => Promise<StoreReport>): Promise<StoreReport[]> {
  const reports: StoreReport[] = []
  for (const {store, targets, rows} of await detectAll(ctx, options)) {
    for (const target of targets) reports.push(await work(store.id, target))
    reports.push(...rows)
  }
  return reports
}

/** One place of an install plan: what will happen there, and whether it needs sudo or a dialog. */
export interface PlannedPlace {
  store: StoreId
  location: string
  /** install: will change; present: already trusts the root; report: nothing to do here, `report` says why. */
  action: 'install' | 'present' | 'report'
  elevation?: {how: 'sudo' | 'dialog'; why: string}
  report?: StoreReport
  target?: StoreTarget
}

/** What `install` would do, decided before anything changes (the questions for opt-in places are asked here). */
export interface InstallPlan {
  places: PlannedPlace[]
  ctx: TrustContext
  options: TrustRunOptions
}

/**
 * Finds every place and reads whether it already trusts `root` (undefined: a root not made yet, so nothing does).
 * Changes nothing; `runInstallPlan` carries it out.
 * @example const plan = await planInstall(root, {localcertHome: home}); plan.places.filter((p) => p.action === 'install')
 */
export async function planInstall(root: TrustRoot | undefined, options: TrustRunOptions): Promise<InstallPlan> {
  const ctx = contextFor(options)
  const places: PlannedPlace[] = []
  for (const {store, targets, rows} of await detectAll(ctx, options)) {
    for (const target of targets) {
      const base = {store: store.id, location: target.location, target}
      const {go, hint} = await wanted(target, options)
      if (!go) {
        places.push({...base, action: 'report', report: {store: store.id, location: target.location, status: 'skipped', ...(hint ? {hint} : {})}})
        continue
      }
      // a store that cannot be read now is tried all the same: the install reports its error
      const present = root ? await hasRoot(target, root).catch(() => false) : false
      places.push({...base, action: present ? 'present' : 'install', ...(target.elevation && !present ? {elevation: target.elevation} : {})})
    }
    places.push(...rows.map((report): PlannedPlace => ({store: store.id, location: report.location, action: 'report', report})))
  }
  return {places, ctx, options}
}

export interface PlanHooks {
  /** Called before a place changes (a spinner starts). */
  onStart?(place: PlannedPlace): void
  /** Called with each place's row as soon as it is known. */
  onDone?(place: PlannedPlace, report: StoreReport): void
  /** True once the user asked to stop (Ctrl-C): the place being changed finishes, the next ones stay untouched. */
  stopped?(): boolean
}

/**
 * Carries out a plan: installs where needed and verifies each place with its own tool after the change; a place
 * already trusting the root was read in process by the plan and is reported as such.
 * @example const rows = await runInstallPlan(plan, root, {onDone: (place, row) => console.error(row.status)})
 */
export async function runInstallPlan(plan: InstallPlan, root: TrustRoot, hooks: PlanHooks = {}): Promise<StoreReport[]> {
  const {ctx} = plan
  const reports: StoreReport[] = []
  let changedOne = false
  for (const place of plan.places) {
    let report: StoreReport
    if (place.action === 'report') report = place.report!
    else if (place.action === 'present') report = {store: place.store, location: place.location, status: 'already-present', ...(place.target!.note ? {hint: place.target!.note} : {})}
    else if (hooks.stopped?.()) report = {store: place.store, location: place.location, status: 'skipped', message: 'interrupted before this place was touched', hint: 'run the command again to finish'}
    else {
      hooks.onStart?.(place)
      report = await attempt(ctx, place.store, place.target!, async () => {
        // an earlier change may have brought the root here (Debian's hook feeds Java's cacerts): read again
        if (changedOne && (await hasRoot(place.target!, root))) return 'already-present'
        await place.target!.install(root)
        if (ctx.dryRun) return 'planned'
        await place.target!.verify(root, true)
        return 'installed'
      })
    }
    if (report.status === 'installed') changedOne = true
    hooks.onDone?.(place, report)
    reports.push(report)
  }
  await auditTrustChange(ctx.localcertHome, 'trust-installed', root, reports)
  return reports
}

/**
 * Trusts `root` in every selected store found on this machine; one store's failure never stops the others
 * (Java is best effort by construction). Each store is verified after the change, not trusted on exit codes.
 * @example const rows = await installRoot(root, {localcertHome: home, log: console.error})
 */
export async function installRoot(root: TrustRoot, options: TrustRunOptions): Promise<StoreReport[]> {
  return runInstallPlan(await planInstall(root, options), root)
}

/**
 * Removes every copy of `root` from every store found (opt-in places included), verifying each one after.
 * @example const rows = await uninstallRoot(root, {localcertHome: home})
 */
export async function uninstallRoot(root: TrustRoot, options: TrustRunOptions): Promise<StoreReport[]> {
  const ctx = contextFor(options)
  const rows = await eachTarget(ctx, options, (store, target) =>
    attempt(ctx, store, target, async () => {
      const present = (await target.list()).some((cert) => cert.fingerprint === root.fingerprint)
      const leftovers = (await target.leftovers?.(root)) ?? []
      if (!present && leftovers.length === 0) return 'already-absent'
      await target.uninstall(root)
      if (ctx.dryRun) return 'planned'
      await target.verify(root, false)
      return 'removed'
    }),
  )
  await auditTrustChange(ctx.localcertHome, 'trust-removed', root, rows)
  return rows
}

/**
 * Finds a root by (a prefix of) its SHA-256 fingerprint in the stores themselves, for removing a root whose
 * file is gone (an old CA deleted by hand). Undefined when no store holds it (already gone).
 * @example const root = await rootFromStores('3f9a0c…', {localcertHome: home})
 */
export async function rootFromStores(fingerprint: string, options: TrustRunOptions): Promise<TrustRoot | undefined> {
  const wantedPrefix = fingerprint.toLowerCase().replace(/[^0-9a-f]/g, '')
  if (wantedPrefix.length < 16) throw new LocalcertError('INVALID_ARGUMENT', '--fingerprint needs at least 16 hex digits of the SHA-256 fingerprint', '`localcert trust status` shows the fingerprints of the localcert roots it finds')
  const ctx = contextFor(options)
  for (const {targets} of await detectAll(ctx, options)) {
    for (const target of targets) {
      const match = (await target.list().catch(() => [] as StoredCert[])).find((cert) => cert.fingerprint.startsWith(wantedPrefix))
      if (match) return parseRoot(match.pem, `the certificate ${shortFingerprint(match.fingerprint)} found in ${target.location}`)
    }
  }
  return undefined
}
