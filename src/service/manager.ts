import {readEndpoint, type EndpointInfo} from '../state/discovery.js'
import {LocalcertError} from '../errors.js'
import {resolveHome} from '../state/paths.js'
import {launchdManager} from './launchd.js'
import {schtasksManager} from './schtasks.js'
import {currentContext, serviceSpec, type InstallResult, type ServiceContext, type ServiceManager, type ServiceOptions, type ServiceState, type UninstallResult} from './spec.js'
import {systemdManager} from './systemd.js'

/** The login-service backend for a platform: systemd --user on Linux, launchd on macOS, Task Scheduler on Windows. */
function managerFor(context: ServiceContext): ServiceManager {
  switch (context.platform) {
    case 'linux':
      return systemdManager(context)
    case 'darwin':
      return launchdManager(context)
    case 'win32':
      return schtasksManager(context)
    default:
      throw new LocalcertError('NOT_SUPPORTED', `running localcert at login is not supported on ${context.platform}`, 'start `localcert serve` from your own init system instead')
  }
}

export interface ServiceCallOptions extends ServiceOptions {
  /** Overrides for tests: platform, user home, environment, uid. */
  context?: Partial<ServiceContext>
}

async function contextFor(options: ServiceCallOptions): Promise<ServiceContext> {
  const home = await resolveHome(options.home)
  return {...currentContext(home), ...options.context}
}

/**
 * Registers `localcert serve` to run at login and starts it now (idempotent: installing twice changes nothing).
 * @example const result = await installService({port: 8555}); if (result.manualSteps) console.log(result.manualSteps.join('\n'))
 */
export async function installService(options: ServiceCallOptions = {}): Promise<InstallResult> {
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
    throw new LocalcertError('INVALID_ARGUMENT', `--port ${options.port} is not a TCP port`, 'use a number from 1 to 65535')
  }
  const context = await contextFor(options)
  return managerFor(context).install(serviceSpec(context, options))
}

/**
 * Stops the login service and removes its files (idempotent: nothing to remove is not an error).
 * @example const {removed} = await uninstallService()
 */
export async function uninstallService(options: ServiceCallOptions = {}): Promise<UninstallResult> {
  return managerFor(await contextFor(options)).uninstall()
}

export interface ServiceStatus extends ServiceState {
  /** 'running' | 'installed' (registered, not running now) | 'not installed'. */
  summary: 'running' | 'installed' | 'not installed'
  /** The endpoint `localcert serve` advertises in the state directory, whoever started it. */
  endpoint?: EndpointInfo
}

/**
 * Whether the login service is registered and running, plus the endpoint currently serving (if any).
 * @example const {summary, endpoint} = await serviceStatus()
 */
export async function serviceStatus(options: ServiceCallOptions = {}): Promise<ServiceStatus> {
  const context = await contextFor(options)
  const [state, endpoint] = await Promise.all([managerFor(context).status(), readEndpoint(context.localcertHome)])
  const summary = !state.installed ? 'not installed' : state.running ? 'running' : 'installed'
  return {...state, summary, ...(endpoint ? {endpoint} : {})}
}
