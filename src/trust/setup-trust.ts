import type {Authority} from '../ca/authority.js'
import {planInstall, runInstallPlan, type InstallPlan, type PlanHooks, type StoreReport} from './everywhere.js'
import {parseRoot, type TrustRoot} from './root.js'

/** setup's run options: what `installEverywhere` passes on to the stores. */
export interface InstallEverywhereOptions {
  /** Answer yes to every question (the Windows side of WSL is then included). */
  yes: boolean
  /** Progress and explanations for the user (sudo reasons, dialogs to expect). */
  log: (line: string) => void
  /** Asks the user a yes/no question; without it (and without --yes) opt-in places are skipped. */
  confirm?: (question: string) => Promise<boolean>
  /** macOS: the System keychain instead of the login keychain. */
  systemKeychain?: boolean
  /** Windows: LocalMachine\\Root (elevated, no dialog) instead of CurrentUser\\Root. */
  machine?: boolean
  /** Also add the line that loads the runtime variables to the shell profile (the `shell-profile` preference). */
  shellProfile?: boolean
}

/**
 * What `localcert setup` plans before it changes anything: every store of this machine, for this home's root
 * (undefined while the CA does not exist yet).
 * @example const plan = await planEverywhere(home, existingRoot, {yes: false, log: console.error})
 */
export function planEverywhere(localcertHome: string, root: TrustRoot | undefined, options: InstallEverywhereOptions): Promise<InstallPlan> {
  return planInstall(root, {
    localcertHome,
    log: options.log,
    confirm: options.yes ? async () => true : options.confirm,
    systemKeychain: options.systemKeychain ?? false,
    machine: options.machine ?? false,
    shellProfile: options.shellProfile ?? false,
  })
}

/**
 * What `localcert setup` does after creating the CA: trust its root in every store found on this machine.
 * Never throws for one store's failure: each row says what happened there (Java is best effort).
 * @example const rows = await installEverywhere(ca, {yes: false, log: console.error})
 */
export async function installEverywhere(ca: Authority, options: InstallEverywhereOptions, plan?: InstallPlan, hooks?: PlanHooks): Promise<StoreReport[]> {
  const root = parseRoot(ca.rootPem, ca.paths.rootCert)
  return runInstallPlan(plan ?? (await planEverywhere(ca.home, root, options)), root, hooks)
}
