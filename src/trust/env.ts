import {readAcmeEnv} from '../state/discovery.js'
import {LocalcertError} from '../errors.js'
import {createContext} from './context.js'
import {loadTrustRoot} from './root.js'
import {rebuildRuntimeFiles, RuntimeBundleTarget} from './stores/runtimes.js'
import {nodeHints, runtimePaths, runtimeVariables} from './shell-env.js'
import {auditTrustChange} from './trust-audit.js'
import type {UserCaSource} from './user-cas.js'

export interface RuntimeEnvironment {
  /** Name → value, in the order they should be set. */
  variables: Record<string, string>
  /** Name → the file holding its value, for secrets (ACME_HMAC_KEY): the shell code reads the file, never prints it. */
  fromFiles: Record<string, string>
  /** Advice printed as comments (never secrets). */
  hints: string[]
  files: {roots: string; bundle: string}
  /** The files the current variables named (a corporate CA, typically) whose certificates our files keep. */
  keptCas: UserCaSource[]
}

/**
 * The variables of `localcert env` and `localcert serve`: the runtime trust variables (after making sure the bundle
 * holds our root, today's system bundle and the CAs the current variables already name) plus, only while an endpoint
 * runs, the ACME ones (ACME_DIRECTORY_URL, ACME_KID; ACME_HMAC_KEY as the file that holds it) and lego's
 * LEGO_CA_CERTIFICATES.
 * @example const {variables} = await runtimeEnvironment(await resolveHome())
 */
export async function runtimeEnvironment(localcertHome: string, options: {platform?: NodeJS.Platform; nodeVersion?: string; env?: NodeJS.ProcessEnv} = {}): Promise<RuntimeEnvironment> {
  const ctx = createContext({localcertHome, ...(options.platform ? {platform: options.platform} : {}), ...(options.env ? {env: options.env} : {})})
  const files = runtimePaths(localcertHome)
  const bundle = new RuntimeBundleTarget(ctx)
  const hints: string[] = []
  const listed = await bundle.list()
  let haveRoots = listed.length > 0
  try {
    const root = await loadTrustRoot({home: localcertHome})
    if (!listed.some((cert) => cert.fingerprint === root.fingerprint)) {
      await bundle.install(root)
      await auditTrustChange(localcertHome, 'trust-installed', root, [{store: bundle.store, location: bundle.location, status: 'installed'}])
    }
    haveRoots = true
  } catch (error) {
    if ((error as LocalcertError).code !== 'CA_NOT_FOUND') throw error
    if (!haveRoots) hints.push(`no CA in ${localcertHome} yet: run \`localcert setup\`, then this again`)
  }
  const keptCas = haveRoots ? await rebuildRuntimeFiles(ctx) : []
  for (const source of keptCas) if (source.certificates) hints.push(`keeping the ${source.certificates} CA certificate(s) of ${source.variable}=${source.file} in ${files.rootsPem} and ${files.bundle}`)
  const acme = await readAcmeEnv(localcertHome)
  const variables: Record<string, string> = {...(haveRoots ? runtimeVariables(localcertHome, ctx.platform) : {})}
  const fromFiles: Record<string, string> = {}
  // the ACME variables describe a running endpoint: without one they would send clients to nothing
  if (acme.ACME_DIRECTORY_URL) {
    variables.ACME_DIRECTORY_URL = acme.ACME_DIRECTORY_URL
    if (acme.ACME_KID) variables.ACME_KID = acme.ACME_KID
    if (acme.hmacKeyFile) fromFiles.ACME_HMAC_KEY = acme.hmacKeyFile
    variables.LEGO_CA_CERTIFICATES = files.rootsPem
  } else if (acme.ACME_KID) {
    hints.push('the ACME endpoint is not running, so no ACME variable is set: start it with `localcert serve` (or `localcert service install`)')
  }
  if (haveRoots) hints.push(...nodeHints(options.nodeVersion))
  return {variables, fromFiles, hints, files: {roots: files.rootsPem, bundle: files.bundle}, keptCas}
}
