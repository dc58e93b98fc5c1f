import {existsSync, readFileSync} from 'node:fs'
import {homedir, userInfo} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {LocalcertError} from '../errors.js'
import {SERVICE_MARKER_ENV} from '../state/discovery.js'
import {HOME_ENV} from '../state/paths.js'

/** What the login service runs: `<absolute node> <absolute bin/run.js> serve [--port N]`, plus LOCALCERT_HOME when set and the service marker. */
export interface ServiceSpec {
  program: string
  args: string[]
  env: Record<string, string>
}

/** Where the service manager's files go and who the user is; tests pass a temp `userHome` and a fixed uid. */
export interface ServiceContext {
  platform: NodeJS.Platform
  /** The user's home directory (where ~/.config, ~/Library live). */
  userHome: string
  /** The localcert state directory (where the Windows launcher lives). */
  localcertHome: string
  /** The environment the choices are made from (XDG_CONFIG_HOME, LOCALCERT_HOME). */
  env: NodeJS.ProcessEnv
  uid: number
}

export interface ServiceOptions {
  /** Passed to `localcert serve --port`; omitted means serve's own default. */
  port?: number
  /** State directory the service uses; pinned as LOCALCERT_HOME. Defaults to LOCALCERT_HOME when that is set. */
  home?: string
}

/**
 * The CLI entry of this installation: `bin/run.js` in the nearest package named localcert above this module
 * (searched, not computed, because the build bundles commands into dist/commands/** at another depth).
 */
export function cliEntry(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === 'localcert') return path.join(dir, 'bin', 'run.js')
    const parent = path.dirname(dir)
    if (parent === dir) throw new LocalcertError('NOT_SUPPORTED', 'cannot find the localcert package that holds this module', 'reinstall localcert (npm install -g localcert)')
    dir = parent
  }
}

/**
 * The command line of the login service, with absolute paths so it works without the user's PATH.
 * @example serviceSpec(context, {port: 8555}) // {program: '/usr/bin/node', args: ['/…/bin/run.js', 'serve', '--port', '8555'], env: {}}
 */
export function serviceSpec(context: ServiceContext, options: ServiceOptions = {}): ServiceSpec {
  const args = [cliEntry(), 'serve', ...(options.port === undefined ? [] : ['--port', String(options.port)])]
  const home = options.home ?? context.env[HOME_ENV]
  return {program: process.execPath, args, env: {...(home ? {[HOME_ENV]: path.resolve(home)} : {}), [SERVICE_MARKER_ENV]: '1'}}
}

/** The context of the current process: the real user home and uid. */
export function currentContext(localcertHome: string): ServiceContext {
  return {
    platform: process.platform,
    userHome: homedir(),
    localcertHome,
    env: process.env,
    uid: typeof process.getuid === 'function' ? process.getuid() : safeUid(),
  }
}

function safeUid(): number {
  try {
    return userInfo().uid
  } catch {
    return -1
  }
}

export type ManagerName = 'systemd' | 'launchd' | 'schtasks'

export interface InstallResult {
  manager: ManagerName
  /** The unit / plist / launcher written. */
  file: string
  /** False when the same file was already there. */
  changed: boolean
  /** True when the service manager accepted it and started it now. */
  started: boolean
  /** When the manager could not be reached: the exact commands the user should run themselves. */
  manualSteps?: string[]
  reason?: string
}

export interface UninstallResult {
  manager: ManagerName
  file: string
  /** False when nothing was installed. */
  removed: boolean
  manualSteps?: string[]
  reason?: string
}

export interface ServiceState {
  manager: ManagerName
  file: string
  installed: boolean
  /** undefined when the manager could not be asked (no user bus, for instance). */
  running: boolean | undefined
  /** What the manager said, for `status` to show. */
  detail?: string
}

/** One login-service backend: systemd --user, launchd agent, or a Windows scheduled task. */
export interface ServiceManager {
  name: ManagerName
  install(spec: ServiceSpec): Promise<InstallResult>
  uninstall(): Promise<UninstallResult>
  status(): Promise<ServiceState>
}
