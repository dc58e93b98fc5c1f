import {createPublicKey, randomBytes} from 'node:crypto'
import {isIP} from 'node:net'
import {unbracketHost} from '../../lib/host.js'
import {issueParsed} from '../../ca/issue.js'
import {parseCsr, type ParsedCsr} from '../../ca/leaf.js'
import {normaliseDnsName, normaliseIp, type SubjectName} from '../../ca/names.js'
import {loadX509} from '../../ca/x509.js'
import {isLocalcertError} from '../../errors.js'
import {ariCertId} from './ari.js'
import type {AcmeContext, Reply, SignedRequest} from '../context.js'
import type {Account, CertificateRecord, Order} from '../storage/model.js'
import {orderJson, orderStatus, ownOrder} from './orders.js'
import {AcmeProblem} from '../problems.js'
import {resolveProfile} from '../profiles.js'

function accountSpki(ctx: AcmeContext, account: Account): Buffer {
  let der = ctx.accountSpki.get(account.jwk)
  if (!der) ctx.accountSpki.set(account.jwk, (der = createPublicKey({key: account.jwk as import('node:crypto').JsonWebKey, format: 'jwk'}).export({type: 'spki', format: 'der'})))
  return der
}

function decodeCsr(value: unknown): Uint8Array {
  // Padding is tolerated: some clients (Synology, smallstep/certificates#939) send it.
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) throw new AcmeProblem('badCSR', 'finalize needs {"csr": <base64url DER PKCS#10>}')
  return new Uint8Array(Buffer.from(value.replace(/=+$/, ''), 'base64url'))
}

/** parseCsr applied the key rules every browser needs; ACME adds: never the account key (RFC 8555 §11.1). */
function checkKey(ctx: AcmeContext, parsed: ParsedCsr, account: Account): void {
  if (Buffer.from(parsed.publicKey.rawData).equals(accountSpki(ctx, account))) throw new AcmeProblem('badCSR', 'the CSR uses the account key; certificates need a key of their own')
}

/** A CSR name as a "type:value" key; an IP written as text (a dNSName or the CN) counts as that IP. */
function csrKey(text: string): string {
  return isIP(unbracketHost(text)) ? `ip:${normaliseIp(text)}` : `dns:${normaliseDnsName(text)}`
}

/**
 * The CSR's names: SAN dNSName/iPAddress plus the CN (RFC 8555 §7.4 allows either), as "type:value" keys. An IP in a
 * dNSName is read as that IP; the certificate always carries it as an iPAddress SAN, built from the order.
 */
async function csrNames(parsed: ParsedCsr): Promise<Set<string>> {
  const x509 = await loadX509()
  const names = new Set<string>()
  const san = parsed.csr.getExtension('2.5.29.17')
  for (const entry of san ? new x509.SubjectAlternativeNameExtension(san.rawData).names.items : []) {
    if (entry.type === 'dns') {
      names.add(csrKey(entry.value))
    } else if (entry.type === 'ip') {
      names.add(`ip:${normaliseIp(entry.value)}`)
    } else {
      throw new AcmeProblem('badCSR', `the CSR asks for a ${entry.type} name; ACME orders cover DNS names and IP addresses only`)
    }
  }
  for (const cn of parsed.csr.subjectName.getField('CN')) names.add(csrKey(cn))
  return names
}

async function checkedCsr(ctx: AcmeContext, value: unknown, order: Order, account: Account): Promise<ParsedCsr> {
  let parsed: ParsedCsr
  let names: Set<string>
  try {
    parsed = await parseCsr(decodeCsr(value))
    checkKey(ctx, parsed, account)
    names = await csrNames(parsed)
  } catch (error) {
    if (isLocalcertError(error)) throw new AcmeProblem('badCSR', `${error.message}${error.hint ? ` (${error.hint})` : ''}`)
    throw error
  }
  const wanted = new Set(order.identifiers.map((identifier) => `${identifier.type}:${identifier.value}`))
  const extra = [...names].filter((name) => !wanted.has(name))
  const missing = [...wanted].filter((name) => !names.has(name))
  if (extra.length || missing.length) {
    const parts = [extra.length ? `names not in the order: ${extra.join(', ')}` : '', missing.length ? `order names missing from the CSR: ${missing.join(', ')}` : '']
    throw new AcmeProblem('badCSR', `the CSR must name exactly the order's identifiers; ${parts.filter(Boolean).join('; ')}`)
  }
  const ordered: SubjectName[] = order.identifiers.map((identifier) => ({type: identifier.type, value: identifier.value}))
  return {...parsed, names: ordered}
}

/**
 * finalize (RFC 8555 §7.4): checks the CSR against the order, issues synchronously through issueCertificate
 * (so the inventory records it), and answers `valid` with the certificate URL and a Location header. A bad CSR
 * leaves the order `ready` so the client can retry with a corrected one.
 */
export async function finalizeOrder(req: SignedRequest, ctx: AcmeContext, orderId: string): Promise<Reply> {
  const order = ownOrder(req, ctx, orderId)
  const status = orderStatus(order)
  if (status !== 'ready') {
    const why = status === 'valid' ? 'it is already valid; download the certificate from its URL' : status === 'pending' ? 'its authorizations are not all valid yet' : `it is ${status}`
    throw new AcmeProblem('orderNotReady', `order ${order.id} cannot be finalized: ${why}`)
  }
  if (!req.payload) throw new AcmeProblem('malformed', 'finalize needs a JSON payload {"csr": ...}')
  order.status = 'processing'
  try {
    const csr = await checkedCsr(ctx, req.payload.csr, order, req.account!)
    const profile = resolveProfile(order.profile)
    const issued = await issueParsed(csr, {home: ctx.home, days: profile.days, source: 'acme', account: req.urls.account(order.accountId)})
    const record: CertificateRecord = {
      id: randomBytes(12).toString('base64url'),
      accountId: order.accountId,
      orderId: order.id,
      serial: issued.serial,
      ariId: ariCertId(Buffer.from(issued.intermediateKeyId, 'hex'), issued.serial),
      names: order.identifiers.map((identifier) => identifier.value),
      profile: profile.name,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      intermediateFingerprint: issued.intermediateFingerprint,
      rootFingerprint: issued.rootFingerprint,
      fingerprint: issued.fingerprint,
    }
    ctx.store.saveCertificate(record, issued.chainPem)
    order.status = 'valid'
    order.certificateId = record.id
    ctx.store.saveOrder(order)
    ctx.emit({type: 'issued', accountId: order.accountId, orderId: order.id, serial: record.serial, names: record.names, profile: profile.name})
  } catch (error) {
    if (error instanceof AcmeProblem && error.type === 'badCSR') {
      order.status = 'pending'
      throw error
    }
    const problem = isLocalcertError(error)
      ? new AcmeProblem(error.code === 'NAME_NOT_ALLOWED' ? 'rejectedIdentifier' : 'serverInternal', `${error.message}${error.hint ? ` (${error.hint})` : ''}`)
      : error instanceof AcmeProblem
        ? error
        : new AcmeProblem('serverInternal', `issuance failed: ${(error as Error).message}`)
    order.status = 'invalid'
    order.error = problem.toDocument()
    ctx.store.saveOrder(order)
    throw problem
  }
  return {status: 200, body: orderJson(order, req.urls), location: req.urls.order(order.id)}
}
