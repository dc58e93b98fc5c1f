import {readAcmeEnv} from '../state/discovery.js'
import {LocalcertError} from '../errors.js'
import {createContext} from './context.js'
import {loadTrustRoot} from './root.js'
import {rebuildRuntimeFiles, RuntimeBundleTarget} from './stores/runtimes.js'
import {nodeHints, runtimePaths, runtimeVariables} from './shell-env.js'

export interface RuntimeEnvironment {
  /** Name → value, in the order they should be set. */
  variables: Record<string, string>
  /** Advice printed as comments (never secrets). */
  hints: string[]
  files: {roots: string; bundle: string}
}

/**
 * The variables of `localcert env`: the runtime trust variables (after making sure the bundle holds our root and
 * today's system bundle) plus the ACME ones from `readAcmeEnv` (ACME_DIRECTORY_URL only while an endpoint runs).
 * @example const {variables} = await runtimeEnvironment(await resolveHome())
 */
export async function runtimeEnvironment(localcertHome: string, options: {platform?: NodeJS.Platform; nodeVersion?: string} = {}): Promise<RuntimeEnvironment> {
  const ctx = createContext({localcertHome, ...(options.platform ? {platform: options.platform} : {})})
  const files = runtimePaths(localcertHome)
  const bundle = new RuntimeBundleTarget(ctx)
  const hints: string[] = []
  const listed = await bundle.list()
  let haveRoots = listed.length > 0
  try {
    const root = await loadTrustRoot({home: localcertHome})
    if (!listed.some((cert) => cert.fingerprint === root.fingerprint)) await bundle.install(root)
    else await rebuildRuntimeFiles(ctx)
    haveRoots = true
  } catch (error) {
    if ((error as LocalcertError).code !== 'CA_NOT_FOUND') throw error
    if (haveRoots) await rebuildRuntimeFiles(ctx)
    else hints.push(`no CA in ${localcertHome} yet: run \`localcert setup\`, then this again`)
  }
  const acme = await readAcmeEnv(localcertHome)
  const variables: Record<string, string> = {...(haveRoots ? runtimeVariables(localcertHome, ctx.platform) : {})}
  for (const [name, value] of Object.entries(acme)) if (value) variables[name] = value
  if (haveRoots) hints.push(...nodeHints(options.nodeVersion))
  if (!acme.ACME_DIRECTORY_URL && acme.ACME_KID) hints.push('the ACME endpoint is not running, so ACME_DIRECTORY_URL is not set: start it with `localcert serve`')
  return {variables, hints, files: {roots: files.rootsPem, bundle: files.bundle}}
}
