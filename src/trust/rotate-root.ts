import {loadAuthority, type CaMeta} from '../ca/authority.js'
import {reissueLiveLeaves, type ReissueReport} from '../ca/reissue.js'
import {CA_CHANGE_CHECK_MS, readStagedRoot, requireMeta, retiringRootPem, stageRoot, switchToStagedRoot, finishRootRotation} from '../ca/rotate.js'
import {LocalcertError} from '../errors.js'
import {caPaths} from '../state/paths.js'
import {createContext, type ContextInit} from './context.js'
import {endpointMoved, type EndpointCheck} from './endpoint-chain.js'
import {detectAll, type StoreReport} from './everywhere.js'
import {parseRoot, type TrustRoot} from './root.js'
import {auditTrustChange} from './trust-audit.js'
import {hasRoot, type StoreTarget, type TrustContext} from './store.js'

/** The steps of `rotate --root`, in order; each is verified before the next starts. */
export type RotationStep = 'staged' | 'installed' | 'switched' | 'moved' | 'reissued' | 'removed'

export interface RootRotationOptions extends ContextInit {
  /** Re-sign the live certificates `localcert cert` wrote, in place, once the CA uses the new root. */
  reissue?: boolean
  /** Aborted (Ctrl-C): the rotation stops at the next safe point, with everything in place to resume. */
  signal?: AbortSignal
  /** Called after each step, before the next: the CLI's LOCALCERT_ROTATE_PAUSE hook waits there. */
  between?: (step: RotationStep) => Promise<void>
  /** The command that resumes this rotation, for hints (default `localcert rotate --root --yes`). */
  rerun?: string
}

export interface RootRotationResult {
  home: string
  completed: boolean
  /** An earlier run staged the new root (or switched to it): this run went on from there. */
  resumed: boolean
  previousRoot: string
  root: string
  intermediate: string
  /** The steps this run completed. */
  steps: RotationStep[]
  /** Where the new root was installed (the places that trusted the old one). */
  installed: StoreReport[]
  reissued: ReissueReport[]
  /** Where the old root was removed. */
  removed: StoreReport[]
  /** The running ACME endpoint, if any, and whether it serves a certificate from the new chain. */
  endpoint?: EndpointCheck
  /** When not completed: the step that could not be verified, and what to run once it is fixed. */
  failedAt?: 'install' | 'endpoint' | 'remove'
  rerun?: string
}

/** A place that trusts a root, or could not be read (so nothing is done there). */
interface Places {
  targets: StoreTarget[]
  unreadable: StoreReport[]
}

/**
 * Every store place on this machine that trusts `root`, in store order (system first: Debian's hook feeds Java).
 * @example const {targets} = await placesTrusting(ctx, oldRoot)
 */
export async function placesTrusting(ctx: TrustContext, root: TrustRoot): Promise<Places> {
  const places: Places = {targets: [], unreadable: []}
  // a store that cannot be detected holds no root to replace: its failure row is not this rotation's business
  for (const {targets} of await detectAll(ctx, {})) {
    for (const target of targets) {
      try {
        if (await hasRoot(target, root)) places.targets.push(target)
      } catch (error) {
        places.unreadable.push({store: target.store, location: target.location, status: 'skipped', message: `could not be read, left alone: ${(error as Error).message}`})
      }
    }
  }
  return places
}

function row(target: StoreTarget, status: StoreReport['status']): StoreReport {
  return {store: target.store, location: target.location, status}
}

function failedRow(target: StoreTarget, error: unknown, rerun: string): StoreReport {
  const code = error instanceof LocalcertError ? error.code : undefined
  const fix = error instanceof LocalcertError ? `${error.hint}; then ` : ''
  return {...row(target, 'failed'), ...(code ? {code} : {}), message: (error as Error).message, hint: `${fix}run \`${rerun}\`: it resumes where this stopped, both roots stay trusted meanwhile`}
}

/** Trusts `root` in `target` unless it already does, and checks the store itself says so. */
async function ensureTrusted(target: StoreTarget, root: TrustRoot): Promise<StoreReport['status']> {
  const present = await hasRoot(target, root)
  if (!present) await target.install(root)
  await target.verify(root, true)
  return present ? 'already-present' : 'installed'
}

/** Runs `work` on each place, one at a time (sudo prompts never overlap), stopping between places once aborted. */
async function eachPlace(ctx: TrustContext, targets: StoreTarget[], options: RootRotationOptions, rerun: string, work: (target: StoreTarget) => Promise<StoreReport['status']>): Promise<StoreReport[]> {
  const rows: StoreReport[] = []
  for (const target of targets) {
    if (options.signal?.aborted) throw interrupted(rerun, rows.length ? `after ${rows.length} of ${targets.length} stores` : 'before changing a store')
    ctx.planned = []
    rows.push(await work(target).then((status) => row(target, status), (error: unknown) => failedRow(target, error, rerun)))
  }
  return rows
}

function interrupted(rerun: string, where: string): LocalcertError {
  return new LocalcertError('INTERRUPTED', `rotate --root was interrupted ${where}; every store still trusts the root the CA uses`, `run \`${rerun}\` to finish: it resumes with the same new root`)
}

export interface RootRotationPlan {
  /** new: nothing done yet; staged: a new root waits (an earlier run stopped before the switch); switched: only the old root's removal is left. */
  phase: 'new' | 'staged' | 'switched'
  previousRoot: string
  /** The places that trust the root being replaced: where the new one goes, and the old one leaves. */
  places: StoreReport[]
}

/**
 * What `rotate --root` would do, read only: for the question asked on a terminal.
 * @example const {places} = await rootRotationPlan(home, {localcertHome: home})
 */
export async function rootRotationPlan(home: string, options: ContextInit): Promise<RootRotationPlan> {
  const meta = await requireMeta(caPaths(home))
  const root = await rootBeingReplaced(home, meta)
  const {targets, unreadable} = await placesTrusting(createContext(options), root)
  const phase = meta.retiring ? 'switched' : (await readStagedRoot(home)) ? 'staged' : 'new'
  return {phase, previousRoot: root.fingerprint, places: [...targets.map((target) => row(target, 'present')), ...unreadable]}
}

/** The root a rotation replaces: the one the CA uses, or, once switched, the one being retired. */
async function rootBeingReplaced(home: string, meta: CaMeta): Promise<TrustRoot> {
  if (meta.retiring) return parseRoot((await retiringRootPem(home))!, `the retired root ${meta.retiring}`)
  return parseRoot((await loadAuthority(home))!.rootPem, caPaths(home).rootCert)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * `localcert rotate --root`: a new root and intermediate with no moment at which a store trusts neither. Staged
 * (1), installed and verified wherever the old root is trusted (2), switched to in ca.json (3); running servers
 * move to the new chain (4); `reissue` re-signs `localcert cert` files (5); last, the old root leaves every store
 * (6). A failed store or an abort stops at a safe point, and running it again resumes (never a third root).
 * @example const result = await rotateRoot(home, {localcertHome: home, reissue: true})
 */
export async function rotateRoot(home: string, options: RootRotationOptions): Promise<RootRotationResult> {
  const rerun = options.rerun ?? 'localcert rotate --root --yes'
  const meta = await requireMeta(caPaths(home))
  const ctx = createContext(options)
  const steps: RotationStep[] = []
  const done = async (step: RotationStep) => {
    steps.push(step)
    await options.between?.(step)
    if (options.signal?.aborted) throw interrupted(rerun, `after the step "${step}"`)
  }
  const result: RootRotationResult = {home, completed: false, resumed: Boolean(meta.retiring), previousRoot: '', root: '', intermediate: '', steps, installed: [], reissued: [], removed: []}
  const oldRoot = await rootBeingReplaced(home, meta)
  if (!meta.retiring) {
    const staged = await stageRoot(home)
    result.resumed = staged.resumed
    await done('staged')
    const {targets, unreadable} = await placesTrusting(ctx, oldRoot)
    const newRoot = parseRoot(staged.rootPem, 'the staged root')
    result.installed = [...(await eachPlace(ctx, targets, options, rerun, (target) => ensureTrusted(target, newRoot))), ...unreadable]
    await auditTrustChange(home, 'trust-installed', newRoot, result.installed)
    if (result.installed.some((report) => report.status === 'failed')) return {...result, previousRoot: oldRoot.fingerprint, root: newRoot.fingerprint, intermediate: staged.meta.intermediate.fingerprint, failedAt: 'install', rerun}
    await done('installed')
    if (options.signal?.aborted) throw interrupted(rerun, 'before the switch')
    await switchToStagedRoot(home)
    await done('switched')
  }
  const ca = (await loadAuthority(home))!
  const newRoot = parseRoot(ca.rootPem, ca.paths.rootCert)
  Object.assign(result, {previousRoot: oldRoot.fingerprint, root: newRoot.fingerprint, intermediate: ca.meta.intermediate.fingerprint})
  // dev servers under autoRenew look at ca.json every CA_CHANGE_CHECK_MS: give them time to swap before the old root goes
  await sleep(2 * CA_CHANGE_CHECK_MS)
  result.endpoint = await endpointMoved(home, ca.meta.intermediate.fingerprint, options.signal)
  if (result.endpoint && !result.endpoint.moved) return {...result, failedAt: 'endpoint', rerun}
  await done('moved')
  if (options.reissue) {
    result.reissued = await reissueLiveLeaves(home)
    await done('reissued')
  }
  const {targets, unreadable} = await placesTrusting(ctx, oldRoot)
  result.removed = [
    ...(await eachPlace(ctx, targets, options, rerun, async (target) => {
      // the old root leaves a place only once the new one is verified there
      await ensureTrusted(target, newRoot)
      await target.uninstall(oldRoot)
      await target.verify(oldRoot, false)
      return 'removed'
    })),
    ...unreadable,
  ]
  await auditTrustChange(home, 'trust-removed', oldRoot, result.removed)
  if (result.removed.some((report) => report.status === 'failed')) return {...result, failedAt: 'remove', rerun}
  await finishRootRotation(home)
  steps.push('removed')
  return {...result, completed: true}
}
