import type {UninstallResult} from '../service/spec.js'

/** One truthful account: files removed and the service stopped, or files removed but the manager unreachable (then what to run). */
export function uninstallMessage(result: UninstallResult): string {
  if (!result.removed) return 'The login service was not installed; nothing to do.'
  if (!result.manualSteps) return `Stopped and removed the login service (${result.file}).`
  return [`Removed ${result.file}, but could not stop the service: ${result.reason ?? 'the service manager could not be reached'}. If it still runs the endpoint, run from a login session:`, ...result.manualSteps.map((step) => `  ${step}`)].join('\n')
}
