import {readdir, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {rootCertificates} from 'node:tls'
import {ensurePrivateDir, writeFileSafely} from '../../state/files.js'
import {withRootFile} from '../root-file.js'
import {pemBlocks, pemToDer} from '../../lib/pem.js'
import {describeCert, fingerprintsIn, type StoredCert, type TrustRoot} from '../root.js'
import {formatEnv, runtimePaths, runtimeVariables, SHELLS} from '../shell-env.js'
import {shellProfileTargets} from './shell-profile.js'
import {keepUserCas, type UserCaSource} from '../user-cas.js'
import {storedCert, VerificationError, type StoreTarget, type TrustContext, type TrustStore} from '../store.js'

/** Where each OS keeps the PEM bundle OpenSSL-based clients read (first one found wins). */
const SYSTEM_BUNDLES: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'],
  darwin: ['/etc/ssl/cert.pem'],
  freebsd: ['/usr/local/etc/ssl/cert.pem', '/etc/ssl/cert.pem'],
}

/** The public roots to keep in our bundle: the system's bundle, or Node's Mozilla list where there is none (Windows). */
async function systemBundle(ctx: TrustContext): Promise<{source: string; pems: string[]}> {
  for (const file of SYSTEM_BUNDLES[ctx.platform] ?? []) {
    const pems = pemBlocks((await ctx.fs.readText(file)) ?? '')
    if (pems.length > 0) return {source: file, pems}
  }
  return {source: "Node.js's bundled Mozilla roots", pems: [...rootCertificates]}
}

async function distributedRoots(localcertHome: string): Promise<StoredCert[]> {
  const dir = runtimePaths(localcertHome).roots
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith('.pem')).sort()
  const roots: StoredCert[] = []
  for (const file of files) {
    const cert = describeCert(await readFile(path.join(dir, file), 'utf8').catch(() => ''), path.join(dir, file))
    if (cert) roots.push({fingerprint: cert.fingerprint, subject: cert.subject, pem: cert.pem, ref: cert.ref})
  }
  return roots
}

/**
 * Rewrites roots.pem, bundle.pem and the env.* files from the roots we distribute and the current system
 * bundle (so an updated system bundle flows in); with no roots left, removes them. Writes only what changed.
 */
export async function rebuildRuntimeFiles(ctx: TrustContext): Promise<UserCaSource[]> {
  const files = runtimePaths(ctx.localcertHome)
  const roots = await distributedRoots(ctx.localcertHome)
  const outputs = [files.rootsPem, files.bundle, ...SHELLS.map((shell) => files.envFile(shell))]
  if (roots.length === 0) {
    for (const file of outputs) await rm(file, {force: true})
    return []
  }
  const ours = new Set(roots.map((root) => root.fingerprint))
  const system = await systemBundle(ctx)
  // hashed, not parsed: the system bundle holds ~150 roots and parsing each costs more than the rest of the rebuild
  const publicCerts = system.pems.flatMap((pem) => {
    const cert = storedCert(pemToDer(pem), '')
    return ours.has(cert.fingerprint) ? [] : [cert]
  })
  const publicRoots = publicCerts.map((cert) => cert.pem)
  // the CAs the user's current variables name (a corporate proxy's) stay trusted once the variables point at our files
  const user = await keepUserCas(ctx, new Set(publicCerts.map((cert) => cert.fingerprint)), ours)
  const rootsText = roots.map((root) => root.pem).join('') + user.pems.join('')
  const variables = runtimeVariables(ctx.localcertHome, ctx.platform)
  const header = 'written by localcert: makes runtimes that ignore the OS store trust your local CA'
  const contents: Array<[string, string]> = [
    [files.rootsPem, rootsText],
    [files.bundle, `# ${system.source} + the roots localcert distributes${user.pems.length ? ' + the CAs you trusted before (trust/user-cas.pem)' : ''} (rebuilt by \`localcert env\`)\n${publicRoots.join('')}${rootsText}`],
    ...SHELLS.map((shell): [string, string] => [files.envFile(shell), formatEnv(variables, shell, [header])]),
  ]
  for (const [file, text] of contents) {
    if ((await readFile(file, 'utf8').catch(() => undefined)) !== text) await writeFileSafely(file, text, 0o644)
  }
  return user.sources
}

/** The bundle files in the localcert home that `localcert env` points runtimes at. */
export class RuntimeBundleTarget implements StoreTarget {
  readonly store = 'runtimes' as const
  readonly location: string
  readonly note = 'used by runtimes after `eval "$(localcert env)"` (Node, Python, curl, Deno, git)'

  constructor(private readonly ctx: TrustContext) {
    this.location = runtimePaths(ctx.localcertHome).bundle
  }

  list(): Promise<StoredCert[]> {
    return distributedRoots(this.ctx.localcertHome)
  }

  async install(root: TrustRoot): Promise<void> {
    const files = runtimePaths(this.ctx.localcertHome)
    this.ctx.plan(`write ${path.join(files.roots, `${root.name}.pem`)}, then rebuild ${files.rootsPem} and ${files.bundle}`)
    if (this.ctx.dryRun) return
    await ensurePrivateDir(this.ctx.localcertHome)
    await writeFileSafely(path.join(files.roots, `${root.name}.pem`), root.pem, 0o644)
    await rebuildRuntimeFiles(this.ctx)
  }

  async uninstall(root: TrustRoot): Promise<void> {
    const copies = (await this.list()).filter((cert) => cert.fingerprint === root.fingerprint)
    this.ctx.plan(`delete ${copies.map((copy) => copy.ref).join(', ')}, then rebuild the bundle files`)
    if (this.ctx.dryRun) return
    for (const copy of copies) await rm(copy.ref, {force: true})
    await rebuildRuntimeFiles(this.ctx)
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    const files = runtimePaths(this.ctx.localcertHome)
    for (const file of [files.rootsPem, files.bundle]) {
      const found = fingerprintsIn(await readFile(file, 'utf8').catch(() => '')).has(root.fingerprint)
      if (found !== present) throw new VerificationError(`${file} ${present ? 'lacks' : 'still holds'} the root`)
    }
    if (present && (await this.ctx.which('openssl'))) {
      const check = await withRootFile(root, (file) => this.ctx.read('openssl', ['verify', '-CAfile', files.bundle, file]))
      if (check.exitCode !== 0) throw new VerificationError(`openssl verify -CAfile ${files.bundle} rejects the root`)
    }
  }
}

export const runtimesStore: TrustStore = {
  id: 'runtimes',
  title: 'Runtimes (localcert env)',
  appliesTo: () => true,
  async detect(ctx) {
    const bundle = new RuntimeBundleTarget(ctx)
    return {targets: [bundle, ...(await shellProfileTargets(ctx, () => bundle.list()))], missing: []}
  },
}
