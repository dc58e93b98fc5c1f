import {createHash} from 'node:crypto'
import {objectIdentifier} from '../../lib/der.js'
import {sha256Hex} from '../../lib/hash.js'

/**
 * Reads the trusted certificates of a Java cacerts file in process, so a presence check costs a file read instead
 * of a JVM start (~0.5–0.8 s of keytool per question). Two formats exist: JKS (Debian's ca-certificates-java, JDK ≤ 17)
 * and PKCS#12 (the JDK's own password-less cacerts since JDK 18). Anything else — JCEKS, encrypted certificate bags,
 * a digest that does not match — returns undefined, and the caller asks keytool instead.
 */

/** One trusted certificate entry: its alias and the certificate's DER. */
export interface CacertsEntry {
  alias: string
  der: Buffer
  fingerprint: string
}

const JKS_MAGIC = 0xfeedfeed
const TRUSTED_CERT_ENTRY = 2
const PRIVATE_KEY_ENTRY = 1
/** Oracle's attribute marking a PKCS#12 certificate bag as a trusted certificate entry (keytool's -importcert). */
const ORACLE_TRUSTED_KEY_USAGE = objectIdentifier('2.16.840.1.113894.746875.1.1')
const FRIENDLY_NAME = objectIdentifier('1.2.840.113549.1.9.20')
const OID_DATA = objectIdentifier('1.2.840.113549.1.7.1')
const OID_CERT_BAG = objectIdentifier('1.2.840.113549.1.12.10.1.3')
const OID_X509_CERT = objectIdentifier('1.2.840.113549.1.9.22.1')

/**
 * The trusted entries of a cacerts file, or undefined when this reader cannot vouch for the answer.
 * @example readCacerts(bytes, 'changeit')?.some((entry) => entry.fingerprint === root.fingerprint)
 */
export function readCacerts(bytes: Buffer, storepass: string): CacertsEntry[] | undefined {
  try {
    if (bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC) return readJks(bytes, storepass)
    if (bytes[0] === 0x30) return readPkcs12(bytes)
  } catch {
    // a truncated or odd file: keytool decides
  }
  return undefined
}

/** JKS: magic, version, count, entries, then SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ everything before). */
function readJks(bytes: Buffer, storepass: string): CacertsEntry[] | undefined {
  const body = bytes.subarray(0, bytes.length - 20)
  const digest = createHash('sha1').update(Buffer.from(storepass, 'utf16le').swap16()).update('Mighty Aphrodite', 'utf8').update(body).digest()
  // a file changed behind keytool's back (or with another password) is not ours to read
  if (!digest.equals(bytes.subarray(bytes.length - 20))) return undefined
  const version = bytes.readUInt32BE(4)
  let at = 12
  const u32 = () => ((at += 4), bytes.readUInt32BE(at - 4))
  const utf = () => {
    const length = bytes.readUInt16BE(at)
    at += 2 + length
    return bytes.toString('utf8', at - length, at)
  }
  const certificate = () => {
    if (version === 2) utf() // certificate type, always "X.509"
    const length = u32()
    at += length
    return bytes.subarray(at - length, at)
  }
  const entries: CacertsEntry[] = []
  for (let count = bytes.readUInt32BE(8); count > 0; count--) {
    const tag = u32()
    const alias = utf()
    at += 8 // creation date
    if (tag === TRUSTED_CERT_ENTRY) {
      const der = Buffer.from(certificate())
      entries.push({alias, der, fingerprint: sha256Hex(der)})
    } else if (tag === PRIVATE_KEY_ENTRY) {
      at += u32()
      for (let chain = u32(); chain > 0; chain--) certificate()
    } else {
      return undefined
    }
  }
  return at === body.length ? entries : undefined
}

/** One DER element: its tag and its content (definite lengths only: the JDK writes DER). */
interface Der {
  tag: number
  body: Buffer
}

function elements(bytes: Buffer): Der[] {
  const found: Der[] = []
  let at = 0
  while (at < bytes.length) {
    const tag = bytes[at++]!
    let length = bytes[at++]!
    if (length === 0x80) throw new Error('indefinite length')
    if (length > 0x80) {
      const octets = length & 0x7f
      length = 0
      for (let i = 0; i < octets; i++) length = length * 256 + bytes[at++]!
    }
    if (at + length > bytes.length) throw new Error('truncated')
    found.push({tag, body: bytes.subarray(at, at + length)})
    at += length
  }
  return found
}

/** The elements inside a constructed element of this tag (SEQUENCE 0x30, SET 0x31, [0] 0xa0…). */
function inside(element: Der | undefined, tag: number): Der[] {
  if (element?.tag !== tag) throw new Error(`expected tag ${tag}`)
  return elements(element.body)
}

const isOid = (element: Der | undefined, oid: Buffer) => element?.tag === 0x06 && element.body.equals(oid.subarray(2))

/** The OCTET STRING content of `[0] EXPLICIT OCTET STRING`, the way ContentInfo and CertBag carry their payload. */
function explicitOctets(element: Der | undefined): Buffer {
  const [octets] = inside(element, 0xa0)
  if (octets?.tag !== 0x04) throw new Error('expected an OCTET STRING')
  return octets.body
}

/** PKCS#12 as the JDK writes its cacerts: plain (unencrypted) SafeContents of certificate bags. */
function readPkcs12(bytes: Buffer): CacertsEntry[] | undefined {
  const [, authSafe] = inside(elements(bytes)[0], 0x30)
  const [type, content] = inside(authSafe, 0x30)
  if (!isOid(type, OID_DATA)) return undefined
  const entries: CacertsEntry[] = []
  for (const info of inside(elements(explicitOctets(content))[0], 0x30)) {
    const [infoType, infoContent] = inside(info, 0x30)
    // encrypted certificates need the password's PBE: leave those files to keytool
    if (!isOid(infoType, OID_DATA)) return undefined
    for (const bag of inside(elements(explicitOctets(infoContent))[0], 0x30)) {
      const [bagId, bagValue, attributeSet] = inside(bag, 0x30)
      if (!isOid(bagId, OID_CERT_BAG)) continue
      const attributes = attributeSet ? inside(attributeSet, 0x31).map((attribute) => inside(attribute, 0x30)) : []
      if (!attributes.some(([id]) => isOid(id, ORACLE_TRUSTED_KEY_USAGE))) continue
      const [certId, certValue] = inside(inside(bagValue, 0xa0)[0], 0x30)
      if (!isOid(certId, OID_X509_CERT)) continue
      const der = Buffer.from(explicitOctets(certValue))
      const name = attributes.find(([id]) => isOid(id, FRIENDLY_NAME))?.[1]
      const bmp = name ? elements(name.body)[0] : undefined
      const alias = bmp?.tag === 0x1e ? Buffer.from(bmp.body).swap16().toString('utf16le') : ''
      entries.push({alias, der, fingerprint: sha256Hex(der)})
    }
  }
  return entries
}
