import path from 'node:path'
import {LocalcertError} from '../../errors.js'
import {lastLine, type ExecOptions, type ExecResult} from '../../lib/exec.js'
import {commandError} from '../context.js'
import {LINUX_FAMILIES} from './linux-families.js'
import {detectLinuxFamily} from './linux-families.js'
import {discoverNssDatabases, type NssLocation} from './nss-paths.js'
import {pemBlocks, pemToDer} from '../../lib/pem.js'
import type {StoredCert, TrustRoot} from '../root.js'
import {storedCert, VerificationError, type Detection, type StoreTarget, type TrustContext, type TrustStore} from '../store.js'

/** One NSS database (Firefox profile, Chromium's nssdb…), edited with certutil as the user who owns it. */
class NssTarget implements StoreTarget {
  readonly store = 'nss' as const
  readonly location: string
  readonly note: string | undefined
  readonly elevation: StoreTarget['elevation']
  private readonly database: string

  constructor(
    private readonly ctx: TrustContext,
    private readonly certutil: string,
    readonly db: NssLocation,
  ) {
    this.location = `${db.dir} (${db.label})`
    this.database = `sql:${db.dir}`
    this.note = db.label.startsWith('Firefox') ? 'restart Firefox to pick up changes' : undefined
    if (db.state === 'system' && ctx.uid !== undefined && ctx.uid !== 0) this.elevation = {how: 'sudo', why: `${db.dir} belongs to root`}
  }

  /**
   * Who certutil runs as: the owner of the database (or, to create one, of its nearest existing parent), so we
   * never leave a root-owned database the user's browser cannot open.
   */
  private async runAs(): Promise<Pick<ExecOptions, 'uid' | 'gid'> & {viaSudo?: boolean}> {
    if (this.ctx.uid === undefined) return {}
    if (this.db.state === 'system') return this.ctx.uid === 0 ? {} : {viaSudo: true}
    let probe = this.db.dir
    let owner = await this.ctx.fs.owner(probe)
    while (!owner && path.dirname(probe) !== probe) {
      probe = path.dirname(probe)
      owner = await this.ctx.fs.owner(probe)
    }
    if (!owner || owner.uid === this.ctx.uid) return {}
    if (this.ctx.uid === 0) return {uid: owner.uid, gid: owner.gid}
    throw new LocalcertError('NEEDS_ROOT', `${probe} belongs to uid ${owner.uid}, not to you`, 'run localcert as the user who owns this profile')
  }

  private async run(args: string[], changing: boolean, input?: string): Promise<ExecResult> {
    const {viaSudo, ...as} = await this.runAs()
    const full = [...args.slice(0, 1), '-d', this.database, ...args.slice(1)]
    const options: ExecOptions = {...as, ...(input === undefined ? {} : {input})}
    if (viaSudo && changing) return this.ctx.privileged(`${this.db.dir} belongs to root`, this.certutil, full, options)
    return changing ? this.ctx.change(this.certutil, full, options) : this.ctx.read(this.certutil, full, options)
  }

  /** Nicknames and trust flags from `certutil -L`; a database NSS cannot open fails here, before any change. */
  private async nicknames(): Promise<Map<string, string>> {
    const result = await this.run(['-L'], false)
    if (result.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `cannot open this NSS database: ${lastLine(result)}`, 'it may be damaged or from a newer Firefox; this database was skipped, the others were not')
    const found = new Map<string, string>()
    for (const line of result.stdout.split('\n')) {
      const match = line.match(/^(\S.*?)\s+([cCpPtTuUw]*,[cCpPtTuUw]*,[cCpPtTuUw]*)\s*$/)
      if (match) found.set(match[1]!, match[2]!)
    }
    return found
  }

  async list(): Promise<StoredCert[]> {
    if (!(await this.exists())) return []
    const trust = await this.nicknames()
    const certs: StoredCert[] = []
    for (const nickname of trust.keys()) certs.push(...(await this.certsNamed(nickname, trust)))
    return certs
  }

  /** The certificates under one nickname (NSS allows several), with their TLS trust from the listing. */
  private async certsNamed(nickname: string, trust: Map<string, string>): Promise<StoredCert[]> {
    const result = await this.run(['-L', '-n', nickname, '-a'], false)
    return pemBlocks(result.stdout).map((block) => storedCert(pemToDer(block), nickname, /^[^,]*C/.test(trust.get(nickname) ?? '')))
  }

  /** Two certutil calls when our nickname is there (the listing, then that entry); else the full list(). */
  async has(root: TrustRoot): Promise<boolean> {
    if (!(await this.exists())) return false
    const trust = await this.nicknames()
    const ours = trust.has(root.name) ? await this.certsNamed(root.name, trust) : []
    const certs = ours.some((cert) => cert.fingerprint === root.fingerprint) ? ours : await this.list()
    return certs.some((cert) => cert.fingerprint === root.fingerprint && cert.trusted !== false)
  }

  private async exists(): Promise<boolean> {
    return this.db.state !== 'create' || this.ctx.fs.exists(path.join(this.db.dir, 'cert9.db'))
  }

  async install(root: TrustRoot): Promise<void> {
    if (this.db.state === 'create' && !(await this.ctx.fs.exists(path.join(this.db.dir, 'cert9.db')))) {
      const {viaSudo: _, ...as} = await this.runAs()
      await this.ctx.change('mkdir', ['-p', '-m', '0700', this.db.dir], as)
      const created = await this.run(['-N', '--empty-password'], true)
      if (created.exitCode !== 0) throw commandError(created, `could not create an NSS database in ${this.db.dir}`)
      if (this.ctx.dryRun) {
        await this.run(['-A', '-t', 'C,,', '-n', root.name], true, root.pem)
        return
      }
    }
    const existing = (await this.list()).find((cert) => cert.fingerprint === root.fingerprint)
    // NSS keeps the first nickname of a certificate: trust the entry that is there rather than add a second name
    const result = existing
      ? await this.run(['-M', '-n', existing.ref, '-t', 'C,,'], true)
      : await this.run(['-A', '-t', 'C,,', '-n', root.name], true, root.pem)
    if (result.exitCode !== 0) throw commandError(result, `certutil could not add the root to ${this.db.dir}`)
  }

  async uninstall(root: TrustRoot): Promise<void> {
    // a regenerated root under the same nickname is a second entry, and -D removes one entry per call
    for (let round = 0; round < 8; round++) {
      const matches = new Set((await this.list()).filter((cert) => cert.fingerprint === root.fingerprint).map((cert) => cert.ref))
      if (matches.size === 0 || (this.ctx.dryRun && round > 0)) return
      for (const nickname of matches) {
        const result = await this.run(['-D', '-n', nickname], true)
        if (result.exitCode !== 0) throw commandError(result, `certutil could not delete ${nickname} from ${this.db.dir}`)
      }
    }
    throw new LocalcertError('COMMAND_FAILED', `the root is still in ${this.db.dir} after 8 deletions`, `remove it with \`certutil -D -d ${this.database} -n <nickname>\``)
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    const match = (await this.list()).find((cert) => cert.fingerprint === root.fingerprint)
    if (!present) {
      if (match) throw new VerificationError(`${this.db.dir} still holds the root as "${match.ref}"`)
      return
    }
    if (!match) throw new VerificationError(`certutil -L does not show the root in ${this.db.dir}`)
    // NSS's own verdict: is this certificate a valid, trusted CA for TLS servers in this database?
    const check = await this.run(['-V', '-u', 'L', '-n', match.ref], false)
    if (check.exitCode !== 0 || !/certificate is valid/.test(check.stdout)) {
      throw new VerificationError(`certutil -V -u L rejects the root in ${this.db.dir}: ${lastLine(check)}`)
    }
  }
}

/** NSS's certutil (not Microsoft's certutil.exe, nor macOS's unrelated one): Homebrew first on macOS. */
async function findCertutil(ctx: TrustContext): Promise<string | undefined> {
  const candidates = ctx.platform === 'darwin' ? ['/opt/homebrew/opt/nss/bin/certutil', '/usr/local/opt/nss/bin/certutil'] : []
  for (const candidate of candidates) if (await ctx.fs.exists(candidate)) return candidate
  if (!(await ctx.which('certutil'))) return undefined
  if (ctx.platform === 'linux') return 'certutil'
  const help = await ctx.read('certutil', ['-H'])
  return /--empty-password/.test(help.stdout + help.stderr) ? 'certutil' : undefined
}

async function certutilHint(ctx: TrustContext): Promise<string> {
  if (ctx.platform === 'darwin') return '`brew install nss` (Firefox ≥ 120 also trusts roots in the Keychain, so this matters only for older Firefox)'
  if (ctx.platform === 'win32') return 'Firefox ≥ 120 trusts roots in the Windows store (security.enterprise_roots.enabled), so nothing is needed for it'
  const family = (await detectLinuxFamily(ctx)) ?? LINUX_FAMILIES.debian
  const install = {debian: 'sudo apt install', rhel: 'sudo dnf install', arch: 'sudo pacman -S', suse: 'sudo zypper install', alpine: 'sudo apk add'}[family.id]
  return `install NSS tools: \`${install} ${family.certutilPackage}\``
}

export const nssStore: TrustStore = {
  id: 'nss',
  title: 'NSS (Firefox, Chromium on Linux)',
  appliesTo: () => true,
  async detect(ctx): Promise<Detection> {
    const {databases, unusable} = await discoverNssDatabases(ctx)
    const missing: Detection['missing'] = unusable.map((entry) => ({location: `${entry.dir} (${entry.label})`, message: entry.reason, hint: entry.hint}))
    if (databases.length === 0) {
      if (unusable.length === 0) missing.push({location: 'NSS', message: 'no Firefox profile or Chromium database found', hint: 'nothing to do unless you use Firefox or Chromium; start the browser once, then run `localcert trust install --stores nss`'})
      return {targets: [], missing}
    }
    const certutil = await findCertutil(ctx)
    if (!certutil) {
      const hint = await certutilHint(ctx)
      return {targets: [], missing: [...missing, ...databases.map((db) => ({location: `${db.dir} (${db.label})`, message: 'certutil (NSS tools) is not installed', hint}))]}
    }
    return {targets: databases.map((db) => new NssTarget(ctx, certutil, db)), missing}
  },
}
