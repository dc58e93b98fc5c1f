import path from 'node:path'
import {deleteJavaAliases, importJavaRoot, keystoreEntries, type Keystore} from './java-keystore.js'
import type {StoredCert, TrustRoot} from '../root.js'
import {VerificationError, type Detection, type StoreTarget, type TrustContext, type TrustStore} from '../store.js'

/** A cacerts file shared by one or more JDKs (on Debian every packaged JDK links to the same file). */
class JavaTarget implements StoreTarget {
  readonly store = 'java' as const
  readonly location: string
  readonly elevation: StoreTarget['elevation']
  private readonly why: string

  constructor(
    private readonly ctx: TrustContext,
    readonly keystore: Keystore,
    jdks: string[],
  ) {
    this.location = `${keystore.cacerts} (${jdks.join(', ')})`
    this.why = `Java's ${keystore.cacerts} is only writable by root`
    if (keystore.needsRoot && ctx.uid !== 0) this.elevation = {how: 'sudo', why: this.why}
  }

  list(): Promise<StoredCert[]> {
    return keystoreEntries(this.ctx, this.keystore)
  }

  install(root: TrustRoot): Promise<void> {
    return importJavaRoot(this.ctx, this.keystore, root, this.why)
  }

  uninstall(root: TrustRoot): Promise<void> {
    return deleteJavaAliases(this.ctx, this.keystore, root, this.why)
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    const found = (await this.list()).filter((entry) => entry.fingerprint === root.fingerprint)
    if ((found.length > 0) !== present) throw new VerificationError(present ? `${this.keystore.cacerts} does not hold the root after keytool -importcert` : `${this.keystore.cacerts} still holds it as ${found.map((entry) => entry.ref).join(', ')}`)
  }
}

/** Directories whose children are JDK homes, per platform (beyond JAVA_HOME). */
function jdkParents(ctx: TrustContext): Array<{dir: string; suffix: string[]}> {
  const home = ctx.homeDir
  const userParents = [
    {dir: path.join(home, '.sdkman', 'candidates', 'java'), suffix: []},
    {dir: path.join(home, '.asdf', 'installs', 'java'), suffix: []},
    {dir: path.join(home, '.jdks'), suffix: []},
  ]
  if (ctx.platform === 'darwin') {
    const bundle = ['Contents', 'Home']
    return [
      {dir: '/Library/Java/JavaVirtualMachines', suffix: bundle},
      {dir: path.join(home, 'Library', 'Java', 'JavaVirtualMachines'), suffix: bundle},
      // Homebrew kegs: the keg root has no cacerts (mkcert #472), the bundle inside it does
      {dir: '/opt/homebrew/opt', suffix: ['libexec', 'openjdk.jdk', 'Contents', 'Home']},
      {dir: '/usr/local/opt', suffix: ['libexec', 'openjdk.jdk', 'Contents', 'Home']},
      ...userParents,
    ]
  }
  if (ctx.platform === 'win32') {
    const programFiles = ctx.env.ProgramFiles ?? 'C:\\Program Files'
    return ['Java', 'Eclipse Adoptium', 'Microsoft', 'Zulu', 'Amazon Corretto', 'BellSoft'].map((vendor) => ({dir: path.win32.join(programFiles, vendor), suffix: []}))
  }
  return [{dir: '/usr/lib/jvm', suffix: []}, {dir: '/usr/java', suffix: []}, ...userParents]
}

async function jdkHomes(ctx: TrustContext): Promise<string[]> {
  if (ctx.options.javaHomes?.length) return ctx.options.javaHomes
  const homes = ctx.env.JAVA_HOME ? [ctx.env.JAVA_HOME] : []
  for (const {dir, suffix} of jdkParents(ctx)) {
    for (const entry of (await ctx.fs.list(dir)).sort()) {
      if (dir.endsWith('opt') && !entry.startsWith('openjdk')) continue
      homes.push(path.join(dir, entry, ...suffix))
    }
  }
  return homes
}

/** The cacerts file and keytool of one JDK home, or undefined when it has none. */
async function keystoreOf(ctx: TrustContext, home: string): Promise<Keystore | undefined> {
  const join = ctx.platform === 'win32' ? path.win32.join : path.join
  let cacerts: string | undefined
  for (const candidate of [join(home, 'lib', 'security', 'cacerts'), join(home, 'jre', 'lib', 'security', 'cacerts')]) {
    if (await ctx.fs.exists(candidate)) {
      cacerts = candidate
      break
    }
  }
  if (!cacerts) return undefined
  const own = join(home, 'bin', ctx.platform === 'win32' ? 'keytool.exe' : 'keytool')
  const keytool = (await ctx.fs.exists(own)) ? own : (await ctx.which('keytool')) ? 'keytool' : undefined
  if (!keytool) return undefined
  const real = await ctx.fs.realpath(cacerts)
  return {keytool, cacerts: real, needsRoot: !(await ctx.fs.writable(real))}
}

export const javaStore: TrustStore = {
  id: 'java',
  title: 'Java (cacerts)',
  appliesTo: () => true,
  async detect(ctx): Promise<Detection> {
    const byFile = new Map<string, {keystore: Keystore; jdks: string[]}>()
    const missing: Detection['missing'] = []
    for (const home of await jdkHomes(ctx)) {
      const keystore = await keystoreOf(ctx, home)
      if (!keystore) {
        if (home === ctx.env.JAVA_HOME || ctx.options.javaHomes?.includes(home)) {
          missing.push({location: home, message: 'no lib/security/cacerts (or keytool) in this JAVA_HOME', hint: 'point JAVA_HOME (or --java-home) at a JDK home; Homebrew: $(brew --prefix openjdk)/libexec/openjdk.jdk/Contents/Home'})
        }
        continue
      }
      const entry = byFile.get(keystore.cacerts) ?? {keystore, jdks: []}
      entry.jdks.push(path.basename(home.replace(/[/\\]Contents[/\\]Home$/, '').replace(/[/\\]libexec[/\\]openjdk\.jdk$/, '')))
      byFile.set(keystore.cacerts, entry)
    }
    const targets = [...byFile.values()].map(({keystore, jdks}) => new JavaTarget(ctx, keystore, jdks))
    if (targets.length === 0 && missing.length === 0) missing.push({location: 'Java', message: 'no JDK found', hint: 'nothing to do unless you use Java; point --java-home at a JDK to include it'})
    return {targets, missing}
  },
}
