import {X509Certificate} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {isIP} from 'node:net'
import path from 'node:path'
import {issueCertificate} from '../ca/issue.js'
import {writeFileSafely} from '../state/files.js'
import {renewalDue} from '../ca/lifetime.js'
import {sha256Hex} from '../lib/hash.js'
import {pemBlocks, pemToDer} from '../lib/pem.js'
import type {CaView} from './ca-view.js'
import {acmePaths} from '../state/discovery.js'

/** The endpoint's own certificate lives a month and is replaced when a third of that is left. */
const SERVING_CERT_DAYS = 30

export interface TlsIdentity {
  /** Leaf + intermediate, PEM. */
  cert: string
  key: string
  notAfter: Date
}

function tlsIdentityPaths(home: string) {
  const dir = path.join(acmePaths(home).dir, 'tls')
  return {cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem')}
}

function covers(cert: X509Certificate, name: string): boolean {
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined
}

function stillGood(identity: TlsIdentity, hosts: readonly string[], ca: CaView, now: number): boolean {
  const leaf = new X509Certificate(identity.cert)
  if (renewalDue(leaf.validFrom, leaf.validTo, now)) return false
  const issuer = pemBlocks(identity.cert)[1]
  if (!issuer || sha256Hex(pemToDer(issuer)) !== ca.intermediateFingerprint) return false
  return hosts.every((host) => covers(leaf, host))
}

async function readIdentity(home: string): Promise<TlsIdentity | undefined> {
  const files = tlsIdentityPaths(home)
  try {
    const [cert, key] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')])
    return {cert, key, notAfter: new Date(new X509Certificate(cert).validTo)}
  } catch {
    return undefined
  }
}

/**
 * The HTTPS identity of the ACME endpoint: a leaf from our own CA for `hosts` (localhost, 127.0.0.1, ::1 and any
 * explicit --host), kept in `<home>/acme/tls/`, reissued when it nears expiry, misses a host, or the CA's
 * intermediate was rotated. Issued through issueCertificate, so it shows up in `localcert list`.
 * @example const {identity, renewed} = await ensureTlsIdentity(home, ['localhost', '127.0.0.1', '::1'], ca)
 */
export async function ensureTlsIdentity(home: string, hosts: readonly string[], ca: CaView, now = Date.now()): Promise<{identity: TlsIdentity; renewed: boolean}> {
  const current = await readIdentity(home)
  if (current && stillGood(current, hosts, ca, now)) return {identity: current, renewed: false}
  const files = tlsIdentityPaths(home)
  const issued = await issueCertificate(hosts, {home, days: SERVING_CERT_DAYS, source: 'acme', purpose: 'endpoint-tls', files: {certFile: files.cert, keyFile: files.key}})
  await writeFileSafely(files.key, issued.keyPem!, 0o600)
  await writeFileSafely(files.cert, issued.chainPem, 0o644)
  return {identity: {cert: issued.chainPem, key: issued.keyPem!, notAfter: issued.notAfter}, renewed: true}
}
