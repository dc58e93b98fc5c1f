import {X509Certificate} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {LocalcertError} from '../errors.js'
import {sha256Hex} from '../lib/hash.js'
import {pemBlocks, pemToDer, toPem} from '../lib/pem.js'
import {ROOT_ORGANIZATION} from '../ca/subject.js'
import {caPaths} from '../state/paths.js'

/** A CA certificate to distribute, identified everywhere by its SHA-256 fingerprint (never by a name). */
export interface TrustRoot {
  /** One PEM block, normalised (64-column base64, trailing newline). */
  pem: string
  der: Buffer
  /** Lower-case hex SHA-256 of the DER. */
  fingerprint: string
  /** Upper-case hex SHA-1: what the macOS Keychain and the Windows store call a thumbprint. */
  sha1: string
  subject: string
  notAfter: string
  /** `localcert-<first 16 hex of the fingerprint>`: our file name, NSS nickname and Java alias (colon-free, unique per root). */
  name: string
  /** True when the subject carries our organisation: a root some localcert made. */
}

/** A certificate found in a store: its identity and the store's handle for it (file, nickname, alias…). */
export interface StoredCert {
  fingerprint: string
  subject: string
  pem: string
  ref: string
  /** False when the store holds the certificate without trusting it as a TLS root (e.g. NSS trust flags ",,"). */
  trusted?: boolean
}

export function isLocalcertSubject(subject: string): boolean {
  return subject.split('\n').some((part) => part.trim() === `O=${ROOT_ORGANIZATION}`)
}

/** Parses one certificate; undefined when it cannot be parsed (a store may hold odd entries: skip them). */
export function describeCert(pem: string, ref = ''): (StoredCert & {cert: X509Certificate}) | undefined {
  try {
    const cert = new X509Certificate(pem)
    return {fingerprint: sha256Hex(cert.raw), subject: cert.subject, pem: toPem(cert.raw), ref, cert}
  } catch {
    return undefined
  }
}

/** The lower-case SHA-256 fingerprints of every certificate in a PEM bundle (hashes only: parsing 150 roots costs ~0.1 s). */
export function fingerprintsIn(text: string): Set<string> {
  return new Set(pemBlocks(text).map((block) => sha256Hex(pemToDer(block))))
}

/**
 * Turns PEM text holding exactly one CA certificate into a TrustRoot.
 * @example const root = parseRoot(await readFile('team-root.pem', 'utf8'), 'team-root.pem')
 */
export function parseRoot(text: string, source: string): TrustRoot {
  const blocks = pemBlocks(text)
  if (blocks.length !== 1) {
    throw new LocalcertError('INVALID_ROOT', `${source} holds ${blocks.length} certificates; a root file must hold exactly one PEM certificate`, 'pass the CA root alone (not a chain or bundle)')
  }
  const described = describeCert(blocks[0]!)
  if (!described) throw new LocalcertError('INVALID_ROOT', `${source} is not a readable X.509 certificate`, 'pass a PEM file that starts with -----BEGIN CERTIFICATE-----')
  if (!described.cert.ca) throw new LocalcertError('INVALID_ROOT', `${source} is not a CA certificate (basicConstraints CA:TRUE is missing)`, 'trust stores take CA roots, not server certificates: pass the root that signed them')
  return {
    pem: described.pem,
    der: Buffer.from(described.cert.raw),
    fingerprint: described.fingerprint,
    sha1: described.cert.fingerprint.replace(/:/g, '').toUpperCase(),
    subject: described.subject,
    notAfter: new Date(described.cert.validTo).toISOString(),
    name: `localcert-${described.fingerprint.slice(0, 16)}`,
  }
}

/**
 * The root to distribute: `--root file.pem` when given, else this home's CA root.
 * @example const root = await loadTrustRoot({home: await resolveHome()})
 */
export async function loadTrustRoot(options: {home: string; rootFile?: string}): Promise<TrustRoot> {
  if (options.rootFile) {
    const text = await readFile(options.rootFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new LocalcertError('INVALID_ROOT', `cannot read ${options.rootFile}: ${error.code ?? error.message}`, 'check the path of the --root file')
    })
    return parseRoot(text, options.rootFile)
  }
  const file = caPaths(options.home).rootCert
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new LocalcertError('CA_NOT_FOUND', `there is no CA in ${options.home}`, 'run `localcert setup` first, or pass --root <file.pem> to distribute another CA root')
    throw new LocalcertError('CA_CORRUPT', `cannot read ${file}: ${error.code ?? error.message}`, 'check its permissions')
  })
  return parseRoot(text, file)
}

/** The short form people compare by eye: the first 16 hex digits. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 16)
}
