import {renewalAt} from '../../ca/lifetime.js'
import {positiveIntegerContent} from '../../lib/der.js'
import type {CaView} from '../ca-view.js'
import type {CertificateRecord} from '../storage/model.js'
import {AcmeProblem} from '../problems.js'
import type {AcmeStore} from '../storage/store.js'

/** How long ARI clients should wait before asking again (RFC 9773 §4.3; clients clamp it to 1 min – 1 day). */
export const ARI_RETRY_AFTER_S = 3600


/**
 * The RFC 9773 §4.1 certificate identifier: base64url(AKI keyIdentifier) "." base64url(DER serial content).
 * @example ariCertId(Buffer.from('69882fd4', 'hex'), '87654321') // 'aYgv1A.AIdlQyE'
 */
export function ariCertId(keyIdentifier: Buffer, serialHex: string): string {
  return `${keyIdentifier.toString('base64url')}.${positiveIntegerContent(Buffer.from(serialHex.padStart(serialHex.length + (serialHex.length % 2), '0'), 'hex')).toString('base64url')}`
}

/** Parses a client-supplied identifier into our canonical form, or throws malformed (RFC 9773 §4.1). */
export function parseAriCertId(text: string): string {
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(text)
  if (!match) throw new AcmeProblem('malformed', `"${text}" is not an ARI certificate identifier: expected base64url(AKI keyIdentifier).base64url(serial), unpadded`)
  return ariCertId(Buffer.from(match[1]!, 'base64url'), Buffer.from(match[2]!, 'base64url').toString('hex'))
}

export interface RenewalInfo {
  suggestedWindow: {start: string; end: string}
  explanationURL?: string
}

/**
 * The suggested renewal window (RFC 9773 §4.2): the usual one starts at two thirds of the lifetime and lasts a tenth
 * of it. A certificate that is revoked, or was issued by an intermediate or root that has since been rotated, gets a
 * window already in the past, which tells every ARI-aware client to renew now.
 */
function renewalWindow(cert: CertificateRecord, ca: CaView, now = Date.now()): RenewalInfo {
  const rotated = cert.intermediateFingerprint !== ca.intermediateFingerprint || cert.rootFingerprint !== ca.rootFingerprint
  if (cert.revoked || rotated) {
    const end = now - 60_000
    return {suggestedWindow: {start: new Date(end - 3_600_000).toISOString(), end: new Date(end).toISOString()}}
  }
  const lifetime = Date.parse(cert.notAfter) - Date.parse(cert.notBefore)
  const start = renewalAt(cert.notBefore, cert.notAfter).getTime()
  return {suggestedWindow: {start: new Date(start).toISOString(), end: new Date(start + lifetime / 10).toISOString()}}
}

/** GET renewalInfo/<id>: the window, or 404 for a certificate this server does not know (RFC 9773 §4.3). */
export async function renewalInfo(idText: string, store: AcmeStore, ca: CaView): Promise<RenewalInfo> {
  const id = parseAriCertId(idText)
  const cert = store.certificateByAriId(id)
  if (!cert) throw new AcmeProblem('malformed', `no certificate with ARI identifier ${idText} was issued by this server (or it has expired)`, {status: 404})
  return renewalWindow(cert, ca)
}
