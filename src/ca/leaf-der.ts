import {sign, type KeyObject} from 'node:crypto'
import {bitString, contextTag, NULL, objectIdentifier as oid, octetString, sequence, set, time, TRUE, unsignedInteger, utf8String} from '../lib/der.js'
import {ipBytes} from '../lib/ip.js'
import type {SubjectName} from './names.js'

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
}

export interface LeafSpec {
  serial: Buffer
  /** DER of the issuer's subject Name, copied byte for byte so chains match exactly. */
  issuerName: Buffer
  /** The issuer's subjectKeyIdentifier, for the leaf's authorityKeyIdentifier. */
  issuerKeyId: Buffer
  issuerKey: KeyObject
  notBefore: Date
  notAfter: Date
  /** DER SubjectPublicKeyInfo of the leaf key. */
  spki: Buffer
  names: readonly SubjectName[]
  commonName?: string
  organization: string
  extendedKeyUsages: Array<'serverAuth' | 'clientAuth' | 'emailProtection'>
  /** RSA leaf keys also get keyEncipherment (TLS 1.2 RSA key exchange). */
  keyEncipherment: boolean
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), TRUE, octetString(value)) : sequence(oid(id), octetString(value))
}

function generalName(name: SubjectName): Buffer {
  switch (name.type) {
    case 'dns':
      return contextTag(2, false, Buffer.from(name.value, 'ascii'))
    case 'ip':
      return contextTag(7, false, ipBytes(name.value))
    case 'email':
      return contextTag(1, false, Buffer.from(name.value, 'ascii'))
    case 'uri':
      return contextTag(6, false, Buffer.from(name.value, 'ascii'))
  }
}

/** Encodes and signs a leaf certificate; returns its DER. */
export function encodeLeaf(spec: LeafSpec): Buffer {
  const rsaIssuer = spec.issuerKey.asymmetricKeyType === 'rsa'
  const signatureAlgorithm = rsaIssuer ? sequence(oid(OID.sha256WithRsa), NULL) : sequence(oid(OID.ecdsaWithSha256))
  const rdn = (type: string, value: string) => set(sequence(oid(type), utf8String(value)))
  const subject = sequence(rdn(OID.organization, spec.organization), ...(spec.commonName ? [rdn(OID.commonName, spec.commonName)] : []))
  // keyUsage bits: digitalSignature (0) and keyEncipherment (2), as a BIT STRING with its unused trailing bits
  const keyUsage = spec.keyEncipherment ? bitString(Buffer.from([0xa0]), 5) : bitString(Buffer.from([0x80]), 7)
  const extensions = [
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, keyUsage),
    extension(OID.extKeyUsage, false, sequence(...spec.extendedKeyUsages.map((usage) => oid(OID[usage])))),
    extension(OID.subjectAltName, !spec.commonName, sequence(...spec.names.map(generalName))),
    extension(OID.authorityKeyId, false, sequence(contextTag(0, false, spec.issuerKeyId))),
  ]
  const tbs = sequence(
    contextTag(0, true, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(spec.serial),
    signatureAlgorithm,
    spec.issuerName,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spec.spki,
    contextTag(3, true, sequence(...extensions)),
  )
  const signature = sign('sha256', tbs, rsaIssuer ? spec.issuerKey : {key: spec.issuerKey, dsaEncoding: 'der'})
  return sequence(tbs, signatureAlgorithm, bitString(signature))
}
