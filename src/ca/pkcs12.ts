import {createHash, createHmac, createPrivateKey, randomBytes} from 'node:crypto'
import {pemBlocks, pemToDer} from '../lib/pem.js'

const OID_DATA = '1.2.840.113549.1.7.1'
const OID_SHA256 = '2.16.840.1.101.3.4.2.1'
const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21'
const OID_FRIENDLY_NAME = '1.2.840.113549.1.9.20'
const MAC_ITERATIONS = 2048

/** The password mkcert uses too: Java's keytool and Windows both need a non-empty one. */
export const DEFAULT_P12_PASSWORD = 'changeit'

/** RFC 7292 appendix B.2 key derivation, SHA-256, for the MAC key (ID 3); one output block is all a MAC needs. */
function pkcs12MacKey(password: string, salt: Buffer, iterations: number): Buffer {
  const v = 64
  const fill = (source: Buffer) => {
    if (source.length === 0) return Buffer.alloc(0)
    const out = Buffer.alloc(v * Math.ceil(source.length / v))
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!
    return out
  }
  const bmp = Buffer.alloc((password.length + 1) * 2)
  for (let i = 0; i < password.length; i++) bmp.writeUInt16BE(password.charCodeAt(i), i * 2)
  let digest = Buffer.concat([Buffer.alloc(v, 3), fill(salt), fill(bmp)])
  for (let i = 0; i < iterations; i++) digest = createHash('sha256').update(digest).digest()
  return digest
}

/**
 * A PKCS#12 file with the key (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC) and the chain, MAC'd with
 * HMAC-SHA256, which openssl 3, keytool (JDK 8u301+), Node and Windows 10 1709+ import.
 * @example await writeFile('app.p12', await buildPkcs12(leaf.keyPem, leaf.chainPem + rootPem))
 */
export async function buildPkcs12(keyPem: string, chainPem: string, password = DEFAULT_P12_PASSWORD, friendlyName = 'localcert'): Promise<Buffer> {
  const {AsnConvert, OctetString} = await import('@peculiar/asn1-schema')
  const {BmpString} = await import('asn1js')
  const pfx = await import('@peculiar/asn1-pfx')
  const {ContentInfo} = await import('@peculiar/asn1-cms')
  const {DigestInfo} = await import('@peculiar/asn1-rsa')
  const {AlgorithmIdentifier} = await import('@peculiar/asn1-x509')

  const certs = pemBlocks(chainPem).map(pemToDer)
  const localKeyId = createHash('sha1').update(certs[0]!).digest()
  // PKCS12Attribute's constructor drops its params (asn1-pfx bug), so the fields are assigned afterwards.
  const attribute = (attrId: string, value: ArrayBuffer) => Object.assign(new pfx.PKCS12Attribute(), {attrId, attrValues: [value]})
  const leafAttributes = [
    attribute(OID_LOCAL_KEY_ID, AsnConvert.serialize(new OctetString(localKeyId))),
    attribute(OID_FRIENDLY_NAME, new BmpString({value: friendlyName}).toBER()),
  ]
  const certBags = certs.map((der, index) => new pfx.SafeBag({
    bagId: pfx.id_certBag,
    bagValue: AsnConvert.serialize(new pfx.CertBag({certId: pfx.id_x509Certificate, certValue: AsnConvert.serialize(new OctetString(der))})),
    bagAttributes: index === 0 ? leafAttributes : undefined,
  }))
  const shrouded = createPrivateKey(keyPem).export({type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: password})
  const keyBag = new pfx.SafeBag({bagId: pfx.id_pkcs8ShroudedKeyBag, bagValue: new Uint8Array(shrouded).buffer, bagAttributes: leafAttributes})
  const dataInfo = (der: ArrayBuffer) => new ContentInfo({contentType: OID_DATA, content: AsnConvert.serialize(new OctetString(der))})
  const authSafe = AsnConvert.serialize(new pfx.AuthenticatedSafe([
    dataInfo(AsnConvert.serialize(new pfx.SafeContents(certBags))),
    dataInfo(AsnConvert.serialize(new pfx.SafeContents([keyBag]))),
  ]))
  const salt = randomBytes(16)
  const mac = createHmac('sha256', pkcs12MacKey(password, salt, MAC_ITERATIONS)).update(Buffer.from(authSafe)).digest()
  const result = new pfx.PFX({
    version: 3,
    authSafe: dataInfo(authSafe),
    macData: new pfx.MacData({
      mac: new DigestInfo({digestAlgorithm: new AlgorithmIdentifier({algorithm: OID_SHA256, parameters: null}), digest: new OctetString(mac)}),
      macSalt: new OctetString(salt),
      iterations: MAC_ITERATIONS,
    }),
  })
  return Buffer.from(AsnConvert.serialize(result))
}
