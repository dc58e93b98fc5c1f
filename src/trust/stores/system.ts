import path from 'node:path'
import {LocalcertError} from '../../errors.js'
import {lastLine} from '../../lib/exec.js'
import {commandError} from '../context.js'
import {deleteJavaAliases} from './java-keystore.js'
import {detectLinuxFamily, type LinuxFamily} from './linux-families.js'
import {pemBlocks, pemToDer} from '../../lib/pem.js'
import {describeCert, type StoredCert, type TrustRoot} from '../root.js'
import {withRootFile} from '../root-file.js'
import {storedCert, VerificationError, type StoreTarget, type TrustContext, type TrustStore} from '../store.js'

/** Debian's ca-certificates-java keeps the system roots for Java here, fed by the update-ca-certificates hook. */
const DEBIAN_JAVA_CACERTS = '/etc/ssl/certs/java/cacerts'

/** The Linux system store of one family: an anchor file plus the family's refresh command (needs root). */
class LinuxSystemTarget implements StoreTarget {
  readonly store = 'system' as const
  readonly location: string
  readonly elevation: StoreTarget['elevation']
  private readonly why: string

  constructor(
    private readonly ctx: TrustContext,
    readonly family: LinuxFamily,
  ) {
    this.location = `${family.bundle} (${family.title})`
    this.why = `the ${family.title} system store needs root to add a file to ${family.anchorDir} and run ${family.tool}`
    if (ctx.uid !== 0) this.elevation = {how: 'sudo', why: this.why}
  }

  /** Every root in the bundle clients read: what the system really trusts (parsed only when a subject is asked for). */
  async list(): Promise<StoredCert[]> {
    const text = (await this.ctx.fs.readText(this.family.bundle)) ?? ''
    return pemBlocks(text).map((block) => storedCert(pemToDer(block), this.family.bundle))
  }

  /** Our root's anchor files (any name: a copy made by hand counts too), found by fingerprint. */
  async anchorFiles(root: TrustRoot): Promise<string[]> {
    const found: string[] = []
    const visit = async (dir: string, depth: number): Promise<void> => {
      for (const entry of await this.ctx.fs.list(dir)) {
        const file = path.posix.join(dir, entry)
        if (/\.(crt|pem|cer)$/i.test(entry)) {
          const text = await this.ctx.fs.readText(file)
          if (text && pemBlocks(text).some((block) => describeCert(block)?.fingerprint === root.fingerprint)) found.push(file)
        } else if (depth < 2 && !entry.includes('.')) {
          await visit(file, depth + 1)
        }
      }
    }
    if (!this.family.viaTrustAnchor) await visit(this.family.anchorDir, 0)
    return found
  }

  leftovers(root: TrustRoot): Promise<string[]> {
    return this.anchorFiles(root)
  }

  async install(root: TrustRoot): Promise<void> {
    if (this.family.viaTrustAnchor) {
      await withRootFile(root, (file) => this.runAll(this.family.installCommands(file), 'could not add the root'))
      return
    }
    const file = path.posix.join(this.family.anchorDir, `${root.name}${this.family.extension}`)
    const wrote = await this.ctx.privileged(this.why, 'tee', [file], {input: root.pem})
    if (wrote.exitCode !== 0) throw commandError(wrote, `could not write ${file}`)
    await this.runAll(this.family.installCommands(file), 'the root file was written but the bundle was not rebuilt')
  }

  async uninstall(root: TrustRoot): Promise<void> {
    if (this.family.viaTrustAnchor) {
      await withRootFile(root, (file) => this.runAll(this.family.removeCommands(file), 'could not remove the root'))
      return
    }
    const files = await this.anchorFiles(root)
    const links = await this.linksTo(files)
    if (files.length + links.names.length + links.hashes.length > 0) {
      const removed = await this.ctx.privileged(this.why, 'rm', ['-f', ...files, ...links.names, ...links.hashes])
      if (removed.exitCode !== 0) throw commandError(removed, `could not delete ${files.join(', ')}`)
    }
    const stillTrusted = (await this.list()).some((cert) => cert.fingerprint === root.fingerprint)
    if (files.length > 0 || stillTrusted) await this.runAll(this.family.removeCommands(files[0] ?? ''), 'the root file was deleted but the bundle was not rebuilt')
    // hash links are numbered per subject hash (.0, .1…): re-number like update-ca-certificates does, so none is skipped
    if (links.hashes.length > 0) await this.runAll([['openssl', ['rehash', this.family.linksDir!]]], 'the root was removed but the hash links were not rebuilt')
    if (this.family.id === 'debian') await this.removeDebianJavaAlias(root)
    if (!this.ctx.dryRun && files.length === 0 && (await this.list()).some((cert) => cert.fingerprint === root.fingerprint)) {
      throw new LocalcertError('TRUSTED_ELSEWHERE', `this root is trusted from outside ${this.family.anchorDir}, so localcert cannot remove it`, 'it comes from a package or /etc/ca-certificates.conf: remove it there, then run the refresh command')
    }
  }

  /** The links the refresh command made for our anchor files: `<name>.pem` → file, and hash links → `<name>.pem`. */
  private async linksTo(files: string[]): Promise<{names: string[]; hashes: string[]}> {
    const dir = this.family.linksDir
    if (!dir || files.length === 0) return {names: [], hashes: []}
    const entries = await this.ctx.fs.list(dir)
    const targets = new Map<string, string>()
    for (const entry of entries) {
      const target = await this.ctx.fs.readlink(path.posix.join(dir, entry))
      if (target) targets.set(entry, path.posix.resolve(dir, target))
    }
    const names = [...targets].filter(([, target]) => files.includes(target)).map(([entry]) => path.posix.join(dir, entry))
    const hashes = [...targets].filter(([, target]) => names.includes(target)).map(([entry]) => path.posix.join(dir, entry))
    return {names, hashes}
  }

  /** Debian's Java hook imports the root as `debian:<file>.pem`, but is never told about a removal: we delete it. */
  private async removeDebianJavaAlias(root: TrustRoot): Promise<void> {
    if (!(await this.ctx.fs.exists(DEBIAN_JAVA_CACERTS)) || !(await this.ctx.which('keytool'))) return
    await deleteJavaAliases(this.ctx, {keytool: 'keytool', cacerts: DEBIAN_JAVA_CACERTS, needsRoot: !(await this.ctx.fs.writable(DEBIAN_JAVA_CACERTS))}, root, this.why)
  }

  private async runAll(commands: Array<[string, string[]]>, failure: string): Promise<void> {
    for (const [command, args] of commands) {
      const result = await this.ctx.privileged(this.why, command, args)
      if (result.exitCode !== 0) throw commandError(result, failure)
    }
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    const inBundle = (await this.list()).some((cert) => cert.fingerprint === root.fingerprint)
    if (inBundle !== present) throw new VerificationError(present ? `${this.family.bundle} does not contain the root after ${this.family.tool}` : `${this.family.bundle} still contains the root`)
    if (await this.ctx.which('openssl')) {
      // OpenSSL's own chain building against the bundle, not our parsing of it
      const check = await withRootFile(root, (file) => this.ctx.read('openssl', ['verify', '-CAfile', this.family.bundle, file]))
      if ((check.exitCode === 0) !== present) throw new VerificationError(`openssl verify -CAfile ${this.family.bundle} ${present ? 'rejects' : 'still accepts'} the root: ${lastLine(check)}`)
    }
    if (!present && this.family.linksDir) {
      const left = await this.leftoverLinks(root)
      if (left.length > 0) throw new VerificationError(`links left in ${this.family.linksDir}: ${left.join(', ')}`)
    }
  }

  /** Our links left in /etc/ssl/certs (what a removal without --fresh used to leave): any link naming the root. */
  private async leftoverLinks(root: TrustRoot): Promise<string[]> {
    const dir = this.family.linksDir!
    const ours: string[] = []
    for (const entry of await this.ctx.fs.list(dir)) {
      const target = await this.ctx.fs.readlink(path.posix.join(dir, entry))
      if (entry.includes(root.name) || target?.includes(root.name)) ours.push(entry)
    }
    return ours
  }
}

export const systemStore: TrustStore = {
  id: 'system',
  title: 'Linux system store',
  appliesTo: (ctx) => ctx.platform === 'linux',
  async detect(ctx) {
    const family = await detectLinuxFamily(ctx)
    if (!family) {
      return {targets: [], missing: [{location: 'system store', message: 'unknown Linux family (no update-ca-certificates, update-ca-trust or trust command)', hint: 'install your distribution\'s ca-certificates package'}]}
    }
    if (!(await ctx.which(family.tool))) {
      return {targets: [], missing: [{location: `${family.bundle} (${family.title})`, message: `\`${family.tool}\` is not installed`, hint: `install the ${family.toolPackage} package`}]}
    }
    return {targets: [new LinuxSystemTarget(ctx, family)], missing: []}
  },
}
