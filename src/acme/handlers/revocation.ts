import {createPublicKey, X509Certificate} from 'node:crypto'
import {sha256Hex} from '../../lib/hash.js'
import {appendAudit} from '../../state/audit.js'
import {recordRevoked} from '../../state/inventory.js'
import {caPaths} from '../../state/paths.js'
import type {AcmeContext, Reply, SignedRequest} from '../context.js'
import {isBase64url} from '../front/jws.js'
import {AcmeProblem} from '../problems.js'

/** RFC 5280 §5.3.1 reason codes a subscriber may use: 0–10 except 7, which is unassigned. */
function checkReason(value: unknown): number {
  if (value === undefined) return 0
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10 || value === 7) {
    throw new AcmeProblem('badRevocationReason', `revocation reason ${JSON.stringify(value)} is not allowed; use an RFC 5280 code from 0 to 10 other than 7 (e.g. 4 superseded, 5 cessationOfOperation)`)
  }
  return value
}

/**
 * revokeCert (RFC 8555 §7.6): signed by the account that ordered the certificate (`kid`) or by the certificate's
 * own key (`jwk`). Revocation shows up in ARI as a renewal window in the past; there is no CRL or OCSP locally.
 */
export async function revokeCertificate(req: SignedRequest, ctx: AcmeContext): Promise<Reply> {
  const payload = req.payload
  if (!payload || !isBase64url(payload.certificate) || payload.certificate === '') throw new AcmeProblem('malformed', 'revokeCert needs {"certificate": <base64url DER>, "reason"?: n}')
  const der = Buffer.from(payload.certificate, 'base64url')
  let cert: X509Certificate
  try {
    cert = new X509Certificate(der)
  } catch {
    throw new AcmeProblem('malformed', 'the "certificate" to revoke is not a DER certificate')
  }
  const record = ctx.store.certificateBySerial(cert.serialNumber)
  if (!record || record.fingerprint !== sha256Hex(der)) {
    throw new AcmeProblem('unauthorized', 'this server did not issue that certificate (or it has expired)', {status: 404})
  }
  if (req.account) {
    if (req.account.id !== record.accountId) throw new AcmeProblem('unauthorized', 'only the account that ordered this certificate, or its own key, may revoke it')
  } else {
    const spki = cert.publicKey.export({type: 'spki', format: 'der'})
    const signer = createPublicKey({key: req.jwk as import('node:crypto').JsonWebKey, format: 'jwk'}).export({type: 'spki', format: 'der'})
    if (!spki.equals(signer)) throw new AcmeProblem('unauthorized', 'a revocation signed with a "jwk" must be signed by the certificate\'s own key')
  }
  const reason = checkReason(payload.reason)
  if (record.revoked) throw new AcmeProblem('alreadyRevoked', `certificate ${record.serial} was already revoked on ${record.revoked.at}`)
  record.revoked = {at: new Date().toISOString(), reason}
  ctx.store.saveCertificate(record)
  // the inventory too, so `localcert list` (which reads no ACME state) can mark it revoked
  const paths = caPaths(ctx.home)
  // a revocation signed with the certificate's own key (`jwk`) comes from no account: none is recorded
  const account = req.account ? {account: req.urls.account(req.account.id)} : {}
  await Promise.all([
    recordRevoked(paths.inventory, record.serial, record.revoked),
    appendAudit(paths.audit, {event: 'revoked', via: 'acme', names: record.names, serial: record.serial, ...account, reason, root: record.rootFingerprint, intermediate: record.intermediateFingerprint}),
  ])
  ctx.emit({type: 'revoked', serial: record.serial, reason})
  return {status: 200, body: ''}
}
