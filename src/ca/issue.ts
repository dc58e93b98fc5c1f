import {stat} from 'node:fs/promises'
import {intermediateNeedsRenewal, loadAuthority, openAuthority, type Authority, type CreateOptions} from './authority.js'
import {issueLeaf, leafValidity, parseCsr, signCsr, validateDays, type IssuedLeaf, type LeafOptions, type ParsedCsr} from './leaf.js'
import {parseNames, type SubjectName} from './names.js'
import {assertAllowed, defaultPolicy, type NamePolicy} from './policy.js'
import {appendAudit, type AuditRecord} from '../state/audit.js'
import {recordIssued} from '../state/inventory.js'
import {caPaths, resolveHome} from '../state/paths.js'

export interface IssueOptions extends LeafOptions, CreateOptions {
  /** State directory; defaults to LOCALCERT_HOME or the OS convention. */
  home?: string
  /** A PKCS#10 request (PEM or DER) to sign instead of generating a key. */
  csr?: string | Uint8Array
  /** Where the leaf came from, for the inventory. */
  source?: 'cli' | 'api' | 'acme'
  /** The ACME account (its URL) that ordered the leaf, for the audit log. */
  account?: string
  /** The audit log's `purpose` for a certificate that is not a user's (the ACME endpoint's own). */
  purpose?: AuditRecord['purpose']
  /** Files the caller will write, recorded in the inventory. */
  files?: {certFile?: string; keyFile?: string; p12File?: string}
}

export interface IssueResult extends IssuedLeaf {
  /** The root, PEM: what clients must trust. */
  rootPem: string
  /** SHA-256 fingerprints (hex) of the root and of the intermediate that signed this leaf. */
  rootFingerprint: string
  intermediateFingerprint: string
  /** The signing intermediate's Subject Key Identifier (hex): the leaf's AKI, which ARI identifiers start with. */
  intermediateKeyId: string
  caCreated: boolean
  home: string
}

/** Each home's CA as this process last loaded it, with the identity of the ca.json it was loaded from. */
const cache = new Map<string, {ca: Authority; stamp: string}>()

/** Identifies one version of ca.json (it is replaced atomically on every change: new inode, new mtime). */
async function metaStamp(ca: {paths: {meta: string}} | string): Promise<string> {
  const file = typeof ca === 'string' ? caPaths(ca).meta : ca.paths.meta
  return stat(file).then((info) => `${info.ino}:${info.mtimeMs}:${info.size}`, () => '')
}

/**
 * Opens (creating or renewing as needed) the CA and keeps it for this process, shared by every caller: the CLI, the
 * Node API and the ACME server's view.
 * @example const ca = await openCachedAuthority(home)
 */
export async function openCachedAuthority(home: string, options: Parameters<typeof openAuthority>[1] = {}): Promise<Authority & {created: boolean}> {
  const ca = await openAuthority(home, options)
  cache.set(home, {ca, stamp: await metaStamp(ca)})
  return ca
}

/**
 * The cached CA, reloaded when ca.json changed since (a rotation or renewal by this or another process), so
 * nothing keeps signing with an intermediate that was replaced; undefined when there is no CA.
 * @example const ca = await currentAuthority(home)
 */
export async function currentAuthority(home: string): Promise<Authority | undefined> {
  const stamp = await metaStamp(home)
  const hit = cache.get(home)
  if (hit && hit.stamp === stamp) return hit.ca
  cache.delete(home)
  if (!stamp) return undefined
  const ca = await loadAuthority(home)
  if (ca) cache.set(home, {ca, stamp})
  return ca
}

/**
 * The names this home's CA may sign: its own policy, or the one a CA created now would get (the default).
 * @example if (!isAllowed(await currentPolicy(home), name)) …
 */
export async function currentPolicy(home: string): Promise<NamePolicy> {
  return (await currentAuthority(home))?.meta.policy ?? defaultPolicy()
}

/**
 * The CA for one issuance: the current one when its intermediate is fit for this leaf, else opened (created,
 * renewed). A CA about to be created checks the names against the policy it would get first, so a bad request
 * creates nothing.
 */
async function authorityFor(home: string, options: ParsedIssueOptions, validUntil: Date, names: readonly SubjectName[]): Promise<Authority & {created: boolean}> {
  const current = await currentAuthority(home)
  if (current && !intermediateNeedsRenewal(current.meta, Date.now(), validUntil)) return {...current, created: false}
  return openCachedAuthority(home, {...options, validUntil, beforeCreate: (policy) => assertAllowed(policy, names)})
}

/**
 * Issues a certificate for names given as text (or for a CSR), the public entry: parses and checks every name
 * first (nothing is created for a bad request), opens or creates the CA, issues, records it.
 * @example const {chainPem, keyPem} = await issueCertificate(['app.localhost'])
 */
export async function issueCertificate(names: readonly string[], options: IssueOptions = {}): Promise<IssueResult> {
  const {csr: input, ...rest} = options
  return issueParsed(input === undefined ? parseNames(names) : await parseCsr(input), rest)
}

/** Options of issueParsed: the CSR, if any, is its first argument. */
export type ParsedIssueOptions = Omit<IssueOptions, 'csr'>

/**
 * The one issuance path behind `localcert cert`, the Node API, the dev-server API and ACME finalize, for a request
 * its caller parsed already: names (parseNames, or ACME's identifier checks) or a CSR (parseCsr, whose names ACME
 * replaces by the order's after matching them). Never give it names from outside.
 * @example const leaf = await issueParsed(parseNames(['app.localhost']), {home})
 */
export async function issueParsed(request: readonly SubjectName[] | ParsedCsr, options: ParsedIssueOptions = {}): Promise<IssueResult> {
  const home = await resolveHome(options.home)
  const days = validateDays(options.days)
  const csr = 'csr' in request ? request : undefined
  const names = csr ? csr.names : (request as readonly SubjectName[])
  const {notAfter} = leafValidity(days, options.now)
  const ca = await authorityFor(home, options, notAfter, names)
  const leaf = csr ? await signCsr(ca, csr, options) : await issueLeaf(ca, names, options)
  const via = options.source ?? 'api'
  const audited = appendAudit(ca.paths.audit, {event: 'issued', via, names: leaf.names.map((name) => name.value), serial: leaf.serial, ...(options.account ? {account: options.account} : {}), ...(options.purpose ? {purpose: options.purpose} : {}), root: ca.meta.root.fingerprint, intermediate: ca.meta.intermediate.fingerprint})
  const recorded = recordIssued(ca.paths.inventory, {
    serial: leaf.serial,
    names: leaf.names.map((name) => name.value),
    fingerprint: leaf.fingerprint,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    issuedAt: new Date().toISOString(),
    source: via,
    keyType: leaf.keyType,
    ...options.files,
  })
  await Promise.all([audited, recorded])
  return {...leaf, rootPem: ca.rootPem, rootFingerprint: ca.meta.root.fingerprint, intermediateFingerprint: ca.meta.intermediate.fingerprint, intermediateKeyId: ca.meta.intermediate.keyId, caCreated: ca.created, home}
}
