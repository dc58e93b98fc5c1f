import {LocalcertError} from '../errors.js'
import type {Authority} from './authority.js'
import {generateLeafKey, type KeyType} from './keys.js'
import {sha256Hex} from '../lib/hash.js'
import {toPem} from '../lib/pem.js'
import {encodeLeaf} from './leaf-der.js'
import {assertAllowed} from './policy.js'
import {parseNames, wildcardWarnings, type SubjectName} from './names.js'
import {randomSerial} from './serial.js'
import {LEAF_ORGANIZATION} from './subject.js'
import {loadX509} from './x509.js'

const DAY = 86_400_000
/** Apple rejects TLS leaves valid for longer than this, even under a private root. */
export const MAX_LEAF_DAYS = 825
export const DEFAULT_LEAF_DAYS = 90
/** notBefore is back-dated this much so a client whose clock runs a little behind still accepts the leaf. */
const BACKDATE_MS = 3_600_000

export interface LeafOptions {
  days?: number
  /** Also valid for TLS client authentication. */
  client?: boolean
  keyType?: KeyType
  now?: Date
}

export interface IssuedLeaf {
  names: SubjectName[]
  /** Leaf PEM alone. */
  certPem: string
  /** Leaf + intermediate: what a server should send. */
  chainPem: string
  /** PKCS#8 PEM, absent when a CSR was signed. */
  keyPem?: string
  serial: string
  fingerprint: string
  notBefore: Date
  notAfter: Date
  keyType: KeyType | 'csr'
  warnings: string[]
}

export function validateDays(days: number | undefined): number {
  const value = days ?? DEFAULT_LEAF_DAYS
  if (!Number.isInteger(value) || value < 1 || value > MAX_LEAF_DAYS) {
    const why = value > MAX_LEAF_DAYS ? `Apple platforms reject certificates valid for more than ${MAX_LEAF_DAYS} days; pick ${DEFAULT_LEAF_DAYS} (default) or less` : `a certificate must be valid for at least a day; pick ${DEFAULT_LEAF_DAYS} (default) or fewer days`
    throw new LocalcertError('INVALID_DAYS', `a certificate's lifetime must be a whole number of days from 1 to ${MAX_LEAF_DAYS}, not ${days}`, why)
  }
  return value
}

/** The validity window of a leaf: back-dated for clock skew, total length exactly `days`. */
export function leafValidity(days: number, now = new Date()): {notBefore: Date; notAfter: Date} {
  const notBefore = new Date(now.getTime() - BACKDATE_MS)
  return {notBefore, notAfter: new Date(notBefore.getTime() + days * DAY)}
}

function buildLeaf(ca: Authority, names: SubjectName[], spki: Buffer, options: LeafOptions & {rsaKey: boolean}) {
  const days = validateDays(options.days)
  const {notBefore, notAfter} = leafValidity(days, options.now)
  const intermediateEnd = Date.parse(ca.meta.intermediate.notAfter)
  const usages: Array<'serverAuth' | 'clientAuth' | 'emailProtection'> = ['serverAuth']
  if (options.client) usages.push('clientAuth')
  if (names.some((name) => name.type === 'email')) usages.push('emailProtection')
  // CN = the first DNS name. OpenSSL checks a CN that looks like a host name (an IP does) against the DNS name
  // constraints, so an IP, email or URI never goes in the CN; SANs carry every name anyway.
  const first = names.find((name) => name.type === 'dns')?.value ?? ''
  const serial = randomSerial()
  const der = encodeLeaf({
    serial: Buffer.from(serial, 'hex'),
    issuerName: Buffer.from(ca.meta.intermediate.subjectDer, 'base64'),
    issuerKeyId: Buffer.from(ca.meta.intermediate.keyId, 'hex'),
    issuerKey: ca.intermediateKeyObject,
    notBefore,
    notAfter: new Date(Math.min(notAfter.getTime(), intermediateEnd)),
    spki,
    names,
    commonName: first && first.length <= 64 ? first : undefined,
    organization: LEAF_ORGANIZATION,
    extendedKeyUsages: usages,
    keyEncipherment: options.rsaKey,
  })
  const certPem = toPem(der)
  return {
    certPem,
    chainPem: certPem + ca.intermediatePem.trimEnd() + '\n',
    serial,
    fingerprint: sha256Hex(der),
    notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000),
    notAfter: new Date(Math.floor(Math.min(notAfter.getTime(), intermediateEnd) / 1000) * 1000),
  }
}

/**
 * Issues a leaf with a fresh key for parsed `names` (DNS, wildcard, IP, email, URI: from parseNames), after
 * checking every name against the CA's policy: the one check every issuance passes. Throws before doing any work
 * if a name is not allowed.
 * @example const leaf = await issueLeaf(ca, parseNames(['app.localhost', '127.0.0.1']))
 */
export async function issueLeaf(ca: Authority, parsed: readonly SubjectName[], options: LeafOptions = {}): Promise<IssuedLeaf> {
  const names = [...parsed]
  assertAllowed(ca.meta.policy, names)
  validateDays(options.days)
  const keyType = options.keyType ?? ca.meta.keyType
  const key = await generateLeafKey(keyType)
  const built = buildLeaf(ca, names, key.spki, {...options, rsaKey: keyType === 'rsa'})
  return {...built, names, keyPem: key.keyPem, keyType, warnings: wildcardWarnings(names)}
}

export interface ParsedCsr {
  names: SubjectName[]
  publicKey: import('@peculiar/x509').PublicKey
  keyAlgorithm: string
  csr: import('@peculiar/x509').Pkcs10CertificateRequest
}

/** Parses a PEM or DER PKCS#10 request, checks its signature and reads its names (SAN, else CN). */
export async function parseCsr(input: string | Uint8Array): Promise<ParsedCsr> {
  const x509 = await loadX509()
  let csr: import('@peculiar/x509').Pkcs10CertificateRequest
  try {
    csr = new x509.Pkcs10CertificateRequest(typeof input === 'string' ? input : Buffer.from(input))
  } catch (error) {
    throw new LocalcertError('INVALID_CSR', 'the CSR cannot be parsed', 'pass a PEM or DER PKCS#10 request, e.g. from `openssl req -new`', {cause: error})
  }
  let valid = false
  try {
    valid = await csr.verify()
  } catch (error) {
    throw new LocalcertError('INVALID_CSR', `the CSR's key type is not supported (${(error as Error).message})`, 'use an ECDSA P-256/P-384 or RSA 2048+ key')
  }
  if (!valid) throw new LocalcertError('INVALID_CSR', 'the CSR signature does not verify', 'create the CSR again with the key it claims to hold')
  const san = csr.getExtension('2.5.29.17')
  const raw: string[] = []
  if (san) {
    const parsed = new x509.SubjectAlternativeNameExtension(san.rawData)
    for (const entry of parsed.names.items) {
      if (entry.type === 'dns' || entry.type === 'ip' || entry.type === 'email' || entry.type === 'url') raw.push(entry.value)
      else throw new LocalcertError('INVALID_CSR', `the CSR asks for a ${entry.type} name, which localcert does not issue`, 'use DNS names, IPs, emails or URIs')
    }
  } else {
    const cn = csr.subjectName.getField('CN')[0]
    if (cn) raw.push(cn)
  }
  if (raw.length === 0) throw new LocalcertError('INVALID_CSR', 'the CSR names no host', 'add a subjectAltName, e.g. `openssl req -addext subjectAltName=DNS:app.localhost`')
  const basic = csr.getExtension('2.5.29.19')
  if (basic && new x509.BasicConstraintsExtension(basic.rawData).ca) {
    throw new LocalcertError('INVALID_CSR', 'the CSR asks for a CA certificate', 'request an end-entity certificate (no basicConstraints CA:TRUE)')
  }
  const parsed = {names: parseNames(raw), publicKey: csr.publicKey, keyAlgorithm: csr.publicKey.algorithm.name, csr}
  checkCsrKey(parsed)
  return parsed
}

/**
 * Key rules for a TLS leaf every browser accepts: ECDSA P-256/P-384 or RSA 2048–8192, CSR not signed with SHA-1.
 * @example checkCsrKey(await parseCsr(pem)) // throws INVALID_CSR for an RSA-1024 key
 */
function checkCsrKey(parsed: ParsedCsr): void {
  const algorithm = parsed.publicKey.algorithm as {name: string; namedCurve?: string; modulusLength?: number}
  const hint = 'create the key again with `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256` or `-newkey rsa:2048`'
  if (algorithm.name === 'ECDSA') {
    if (algorithm.namedCurve !== 'P-256' && algorithm.namedCurve !== 'P-384') throw new LocalcertError('INVALID_CSR', `ECDSA ${algorithm.namedCurve} keys are not accepted by browsers; use P-256 or P-384`, hint)
  } else if (algorithm.name === 'RSASSA-PKCS1-v1_5' || algorithm.name === 'RSA-PSS') {
    const bits = algorithm.modulusLength ?? 0
    if (bits < 2048 || bits > 8192) throw new LocalcertError('INVALID_CSR', `RSA keys must have 2048 to 8192 bits, this one has ${bits}`, hint)
  } else {
    throw new LocalcertError('INVALID_CSR', `${algorithm.name} certificate keys are not accepted by browsers; use ECDSA P-256 or RSA 2048`, hint)
  }
  const hash = (parsed.csr.signatureAlgorithm as {hash?: {name?: string}}).hash?.name
  if (hash === 'SHA-1') throw new LocalcertError('INVALID_CSR', 'the CSR is signed with SHA-1', 'sign it with SHA-256 (openssl req -sha256)')
}

/**
 * Signs a CSR: the key never leaves the requester's tool. Names come from the parsed CSR (ACME finalize replaces
 * them with the order's identifiers after checking that both match), checked once against the CA's policy.
 */
export async function signCsr(ca: Authority, input: string | Uint8Array | ParsedCsr, options: LeafOptions = {}): Promise<IssuedLeaf> {
  const parsed = typeof input === 'object' && 'csr' in input ? input : await parseCsr(input)
  assertAllowed(ca.meta.policy, parsed.names)
  const rsaKey = parsed.keyAlgorithm.startsWith('RSA')
  const built = buildLeaf(ca, parsed.names, Buffer.from(parsed.publicKey.rawData), {...options, rsaKey})
  return {...built, names: parsed.names, keyType: 'csr', warnings: wildcardWarnings(parsed.names)}
}
