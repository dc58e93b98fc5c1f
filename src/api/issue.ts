import {openAuthority, type Authority, type CreateOptions} from '../ca/authority.js'
import {issueLeaf, leafValidity, parseCsr, signCsr, validateDays, type IssuedLeaf, type LeafOptions, type ParsedCsr} from '../ca/leaf.js'
import {parseNames, type SubjectName} from '../ca/names.js'
import {assertAllowed} from '../ca/policy.js'
import {recordIssued} from '../state/inventory.js'
import {resolveHome} from '../state/paths.js'

export interface IssueOptions extends LeafOptions, CreateOptions {
  /** State directory; defaults to LOCALCERT_HOME or the OS convention. */
  home?: string
  /** A PKCS#10 request to sign instead of generating a key. */
  csr?: string | Uint8Array | ParsedCsr
  /** Where the leaf came from, for the inventory. */
  source?: 'cli' | 'api' | 'acme'
  /** Files the caller will write, recorded in the inventory. */
  files?: {certFile?: string; keyFile?: string; p12File?: string}
}

export interface IssueResult extends IssuedLeaf {
  /** The root, PEM: what clients must trust. */
  rootPem: string
  caCreated: boolean
  home: string
}

const cache = new Map<string, Authority>()

/** Loads (and caches per process) the CA, creating it if absent and renewing the intermediate when due. */
async function authorityFor(home: string, options: IssueOptions, validUntil: Date, names: SubjectName[]): Promise<Authority & {created: boolean}> {
  const cached = cache.get(home)
  if (cached && Date.parse(cached.meta.intermediate.notAfter) >= validUntil.getTime()) {
    const end = Date.parse(cached.meta.intermediate.notAfter)
    const start = Date.parse(cached.meta.intermediate.notBefore)
    if (end - Date.now() > (end - start) / 3) return {...cached, created: false}
  }
  const ca = await openAuthority(home, {...options, validUntil, beforeCreate: (policy) => assertAllowed(policy, names)})
  cache.set(home, ca)
  return ca
}

/**
 * The one issuance path behind `localcert cert`, the Node API and ACME finalize: validates the names
 * first (nothing is created for a bad request), opens or creates the CA, issues, records it.
 * @example const {chainPem, keyPem} = await issueCertificate(['app.localhost'])
 */
export async function issueCertificate(names: readonly string[], options: IssueOptions = {}): Promise<IssueResult> {
  const home = await resolveHome(options.home)
  const days = validateDays(options.days)
  const csr = options.csr === undefined ? undefined : typeof options.csr === 'object' && 'csr' in options.csr ? options.csr : await parseCsr(options.csr)
  const parsed = csr ? csr.names : parseNames(names)
  const {notAfter} = leafValidity(days, options.now)
  const ca = await authorityFor(home, options, notAfter, parsed)
  let leaf: IssuedLeaf
  if (csr) {
    leaf = await signCsr(ca, csr, options)
  } else {
    assertAllowed(ca.meta.policy, parsed)
    leaf = await issueLeaf(ca, names, options)
  }
  await recordIssued(ca.paths.inventory, {
    serial: leaf.serial,
    names: leaf.names.map((name) => name.value),
    fingerprint: leaf.fingerprint,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    issuedAt: new Date().toISOString(),
    source: options.source ?? 'api',
    keyType: leaf.keyType,
    ...options.files,
  })
  return {...leaf, rootPem: ca.rootPem, caCreated: ca.created, home}
}

/** Forgets cached CAs (after a rotation or uninstall in the same process). */
export function clearAuthorityCache(): void {
  cache.clear()
}
