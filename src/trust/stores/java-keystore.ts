import {commandError} from '../context.js'
import {pemBlocks} from '../../lib/pem.js'
import {readCacerts} from './java-cacerts-file.js'
import {describeCert, type StoredCert, type TrustRoot} from '../root.js'
import {storedCert, type TrustContext} from '../store.js'

/** One cacerts file and the keytool that edits it. */
export interface Keystore {
  keytool: string
  cacerts: string
  /** The file is not writable by us: changes go through sudo. */
  needsRoot: boolean
}

/** Every JDK ships cacerts with this well-known password; it protects integrity, not secrecy. */
const STOREPASS = 'changeit'
// keytool's messages follow the locale; our parsing reads the English ones
const ENGLISH = ['-J-Duser.language=en', '-J-Duser.country=US']

function keystoreArgs(store: Keystore): string[] {
  return ['-keystore', store.cacerts, '-storepass', STOREPASS]
}

/**
 * Every trusted entry of a cacerts file, with its alias as `ref`: read in process (JKS or PKCS#12, no JVM), else
 * from `keytool -list -rfc` (a JCEKS or encrypted keystore, a file we cannot read).
 * @example (await keystoreEntries(ctx, store)).some((entry) => entry.fingerprint === root.fingerprint)
 */
export async function keystoreEntries(ctx: TrustContext, store: Keystore): Promise<StoredCert[]> {
  const bytes = await ctx.fs.readBytes?.(store.cacerts)
  const read = bytes && readCacerts(bytes, STOREPASS)
  if (read) return read.map((entry) => storedCert(entry.der, entry.alias))
  return keytoolEntries(ctx, store)
}

/** keytool's own listing: a JVM start (~0.5–0.8 s), so only when the file cannot be read in process. */
export async function keytoolEntries(ctx: TrustContext, store: Keystore): Promise<StoredCert[]> {
  const result = await ctx.read(store.keytool, [...ENGLISH, '-list', '-rfc', ...keystoreArgs(store)])
  if (result.exitCode !== 0) throw commandError(result, `cannot read ${store.cacerts}`)
  const entries: StoredCert[] = []
  for (const chunk of result.stdout.split(/^Alias name: /m).slice(1)) {
    const alias = chunk.slice(0, chunk.indexOf('\n')).trim()
    const block = pemBlocks(chunk)[0]
    const cert = block ? describeCert(block, alias) : undefined
    if (cert) entries.push({fingerprint: cert.fingerprint, subject: cert.subject, pem: cert.pem, ref: alias})
  }
  return entries
}

async function change(ctx: TrustContext, store: Keystore, args: string[], why: string, input?: string) {
  const full = [...ENGLISH, ...args, ...keystoreArgs(store)]
  const options = input === undefined ? {} : {input}
  return store.needsRoot ? ctx.privileged(why, store.keytool, full, options) : ctx.change(store.keytool, full, options)
}

/** Imports the root under its own alias (keytool reads the certificate from stdin). */
export async function importJavaRoot(ctx: TrustContext, store: Keystore, root: TrustRoot, why: string): Promise<void> {
  const result = await change(ctx, store, ['-importcert', '-noprompt', '-trustcacerts', '-alias', root.name], why, root.pem)
  if (result.exitCode !== 0 && !/already exists/.test(result.stdout + result.stderr)) throw commandError(result, `could not import into ${store.cacerts}`)
}

/** Deletes every alias holding the root, whatever it is called (ours, Debian's `debian:…`, a hand-made one). */
export async function deleteJavaAliases(ctx: TrustContext, store: Keystore, root: TrustRoot, why: string): Promise<void> {
  const aliases = (await keystoreEntries(ctx, store)).filter((entry) => entry.fingerprint === root.fingerprint).map((entry) => entry.ref)
  for (const alias of aliases) {
    const result = await change(ctx, store, ['-delete', '-alias', alias], why)
    if (result.exitCode !== 0 && !/does not exist/.test(result.stdout + result.stderr)) throw commandError(result, `could not delete ${alias} from ${store.cacerts}`)
  }
}
