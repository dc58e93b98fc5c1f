import {createPublicKey} from 'node:crypto'
import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {LocalcertError} from '../errors.js'
import {caPaths, type CaPaths} from '../state/paths.js'
import {ensurePrivateDir, readJson, writeFileSafely} from '../state/files.js'
import {withLock} from '../state/lock.js'
import {appendAudit} from '../state/audit.js'
import {chooseProtection, isSealed, openKeyPem, prefetchSecret, sealKeyPem} from '../state/key-protection.js'
import {exportPrivateKeyPem, importPrivateKey, type KeyType} from './keys.js'
import {defaultPolicy, type NamePolicy} from './policy.js'
import {sha256Hex} from '../lib/hash.js'
import {pemBlocks, pemToDer} from '../lib/pem.js'
import {loadX509} from './x509.js'
import {renewalDue} from './lifetime.js'
import {createIntermediate, generateCa, intermediateSummary, placeGeneratedCa, removeStaleTemps, sealGeneratedCa, type CaMeta} from './generate.js'

export type {CaMeta, CertSummary, GeneratedCa} from './generate.js'

export interface CreateOptions {
  keyType?: KeyType
  allowDomains?: string[]
  nameConstraints?: boolean
}

/** A loaded CA: what leaf issuance needs, kept in memory by long-lived callers. */
export interface Authority {
  home: string
  paths: CaPaths
  meta: CaMeta
  rootPem: string
  intermediatePem: string
  /** The intermediate's private key, which signs leaves. */
  intermediateKeyObject: import('node:crypto').KeyObject
}

/** Where a CA being created is written before its one rename into `<home>/ca`. */
const CA_TEMP_PREFIX = '.ca-staging-'

async function buildCa(paths: CaPaths, options: CreateOptions): Promise<void> {
  const generated = await generateCa(options.keyType ?? 'ecdsa', defaultPolicy(options.allowDomains ?? [], options.nameConstraints ?? true))
  await placeGeneratedCa(paths.ca, CA_TEMP_PREFIX, await sealGeneratedCa(generated, await chooseProtection()))
}

export async function readMeta(paths: CaPaths): Promise<CaMeta | undefined> {
  try {
    return await readJson<CaMeta>(paths.meta)
  } catch (error) {
    throw new LocalcertError('CA_CORRUPT', `${paths.meta} cannot be parsed`, 'restore it from backup, or run `localcert uninstall --yes` and `localcert setup` to start over', {cause: error})
  }
}

/** Replaces ca.json, the one switch of every change to the CA (atomic, 0600). */
export async function writeMeta(paths: CaPaths, meta: CaMeta): Promise<void> {
  await writeFileSafely(paths.meta, JSON.stringify(meta, null, 2) + '\n')
}

const INTERRUPTED_ROTATION_HINT = 'an interrupted `localcert rotate --root` leaves this: run `localcert rotate --root --yes` to finish it'

/** Where `rotate --root` keeps the certificate of a root it replaced (public: chains of old leaves need it). */
export function retiredRootFile(paths: CaPaths, fingerprint: string): string {
  return path.join(paths.ca, 'retired', `root-${fingerprint}.pem`)
}

/**
 * The root ca.json names. root.pem is replaced just before ca.json during `rotate --root`, so a reader holding the
 * ca.json of before finds its root among the retired ones: ca.json stays the one switch.
 */
async function rootPemOf(paths: CaPaths, meta: CaMeta): Promise<string> {
  const pem = await readFile(paths.rootCert, 'utf8')
  const block = pemBlocks(pem)[0]
  if (block && sha256Hex(pemToDer(block)) === meta.root.fingerprint) return pem
  return readFile(retiredRootFile(paths, meta.root.fingerprint), 'utf8').catch(() => {
    throw new LocalcertError('CA_CORRUPT', `${paths.rootCert} is not the root ${paths.meta} names (${meta.root.fingerprint.slice(0, 16)}…)`, INTERRUPTED_ROTATION_HINT)
  })
}

/** Loads the CA under `home`; undefined when there is none yet. Never creates or renews anything. */
export function loadAuthority(home: string): Promise<Authority | undefined> {
  return readAuthority(home, false)
}

async function readAuthority(home: string, reread: boolean): Promise<Authority | undefined> {
  const paths = caPaths(home)
  const meta = await readMeta(paths)
  if (!meta) return undefined
  prefetchSecret(meta.protection)
  try {
    const [rootPem, intermediatePem, keyPem] = await Promise.all([
      rootPemOf(paths, meta),
      readFile(paths.intermediateCert(meta.intermediate.id), 'utf8'),
      readFile(paths.intermediateKey(meta.intermediate.id), 'utf8'),
    ])
    // `setup` upgrading the keys writes ca.json before it seals them: a sealed key under a ca.json read just before
    // that write is read again with the ca.json of now, once, instead of being reported as a corrupt CA
    if (!reread && isSealed(keyPem) && meta.protection?.mode !== 'keyring') return readAuthority(home, true)
    const intermediateKeyObject = await openKeyPem(meta.protection, keyPem, paths.intermediateKey(meta.intermediate.id))
    if (!meta.intermediate.subjectDer || !meta.intermediate.keyId) {
      // ca.json written before these fields existed: derive them from the certificate
      const x509 = await loadX509()
      meta.intermediate = await intermediateSummary(new x509.X509Certificate(intermediatePem), meta.intermediate.id)
    }
    return {home, paths, meta, rootPem, intermediatePem, intermediateKeyObject}
  } catch (error) {
    if (error instanceof LocalcertError) throw error
    throw new LocalcertError('CA_CORRUPT', `the CA in ${paths.ca} is incomplete: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'restore it from backup, or run `localcert uninstall --yes` and `localcert setup` to start over', {cause: error})
  }
}

/** True when the intermediate is due for renewal (renewalAt), or would not cover `until`; never past the root's end. */
export function intermediateNeedsRenewal(meta: CaMeta, now = Date.now(), until?: Date): boolean {
  const end = Date.parse(meta.intermediate.notAfter)
  if (end >= Date.parse(meta.root.notAfter)) return false
  if (until && until.getTime() > end) return true
  return renewalDue(meta.intermediate.notBefore, meta.intermediate.notAfter, now)
}

/** Signs a fresh intermediate with the root key and switches to it atomically (ca.json is the switch). */
async function renewIntermediate(paths: CaPaths, meta: CaMeta): Promise<void> {
  const x509 = await loadX509()
  const root = new x509.X509Certificate(await rootPemOf(paths, meta))
  const {key: rootKey, object} = await importPrivateKey(await openKeyPem(meta.protection, await readFile(paths.rootKey, 'utf8'), paths.rootKey))
  // a `rotate --root` killed between its writes may leave the next root's key beside this root: never sign with it
  if (!createPublicKey(object).export({type: 'spki', format: 'der'}).equals(Buffer.from(root.publicKey.rawData))) throw new LocalcertError('CA_CORRUPT', `${paths.rootKey} is not the key of the root ${paths.meta} names`, INTERRUPTED_ROTATION_HINT)
  const inter = await createIntermediate(root, rootKey, await root.publicKey.export(), meta.keyType, meta.policy)
  await writeFileSafely(paths.intermediateKey(inter.id), await sealKeyPem(meta.protection, await exportPrivateKeyPem(inter.keys.privateKey)))
  await writeFileSafely(paths.intermediateCert(inter.id), inter.cert.toString('pem') + '\n', 0o644)
  const next: CaMeta = {
    ...meta,
    intermediate: await intermediateSummary(inter.cert, inter.id),
    previousIntermediates: [...meta.previousIntermediates, meta.intermediate.fingerprint],
  }
  await writeMeta(paths, next)
}

export interface OpenOptions extends CreateOptions {
  /** Create the CA when there is none (default true, as mkcert does). */
  create?: boolean
  /** The leaf being issued must not outlive the intermediate: renew first if it would. */
  validUntil?: Date
  /** Called with the policy a new CA would get, before anything is created: throw to create nothing. */
  beforeCreate?: (policy: NamePolicy) => void
  /** Who asks, for the audit log of a creation or renewal (default 'api'). */
  source?: 'cli' | 'api' | 'acme'
}

/**
 * Returns the CA under `home`, creating it (once, under a cross-process lock) when missing and renewing the
 * intermediate when a third of its life is left.
 * @example const ca = await openAuthority(await resolveHome())
 */
export async function openAuthority(home: string, options: OpenOptions = {}): Promise<Authority & {created: boolean}> {
  const paths = caPaths(home)
  const existing = await loadAuthority(home)
  if (existing && !intermediateNeedsRenewal(existing.meta, Date.now(), options.validUntil)) return {...existing, created: false}
  if (!existing && options.create === false) {
    throw new LocalcertError('CA_NOT_FOUND', `there is no CA in ${home}`, 'run `localcert setup` first')
  }
  if (!existing) options.beforeCreate?.(defaultPolicy(options.allowDomains ?? [], options.nameConstraints ?? true))
  await ensurePrivateDir(home)
  let created = false
  await withLock(paths.lock, async () => {
    await removeStaleTemps(home, CA_TEMP_PREFIX)
    const meta = await readMeta(paths)
    let renewed: string | undefined
    if (!meta) {
      await buildCa(paths, options)
      created = true
    } else if (intermediateNeedsRenewal(meta, Date.now(), options.validUntil)) {
      await renewIntermediate(paths, meta)
      renewed = meta.intermediate.fingerprint
    }
    // recorded under the CA lock, right after the change: no process sees the new CA before its line is written
    const now = created || renewed ? await readMeta(paths) : undefined
    if (now) await appendAudit(paths.audit, {event: created ? 'ca-created' : 'intermediate-renewed', via: options.source ?? 'api', root: now.root.fingerprint, intermediate: now.intermediate.fingerprint, ...(renewed ? {previous: renewed} : {})})
  })
  const loaded = await loadAuthority(home)
  if (!loaded) throw new LocalcertError('CA_CORRUPT', `the CA in ${home} vanished while it was being created`, 'run the command again')
  return {...loaded, created}
}

/**
 * Forces a new intermediate now (`localcert rotate`, tests). The previous intermediate's certificate stays, so the
 * chains of leaves it signed still verify; its key is deleted, so nothing can sign with it again.
 * @example const ca = await rotateIntermediate(home) // ca.meta.previousIntermediates ends with the old fingerprint
 */
export async function rotateIntermediate(home: string): Promise<Authority> {
  const paths = caPaths(home)
  let previous = ''
  await withLock(paths.lock, async () => {
    const meta = await readMeta(paths)
    if (!meta) throw new LocalcertError('CA_NOT_FOUND', `there is no CA in ${home}`, 'run `localcert setup` first')
    await renewIntermediate(paths, meta)
    await rm(paths.intermediateKey(meta.intermediate.id), {force: true})
    previous = meta.intermediate.fingerprint
  })
  const ca = (await loadAuthority(home))!
  await appendAudit(paths.audit, {event: 'intermediate-rotated', via: 'cli', root: ca.meta.root.fingerprint, intermediate: ca.meta.intermediate.fingerprint, previous})
  return ca
}
