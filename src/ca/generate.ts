import {mkdtemp, readdir, rename, rm} from 'node:fs/promises'
import path from 'node:path'
import {caPaths, userAtHost} from '../state/paths.js'
import {randomId, writeFileSafely} from '../state/files.js'
import {sealKeyPem, type KeyProtection} from '../state/key-protection.js'
import {exportPrivateKeyPem, generateKeyPair, type KeyPair, type KeyType} from './keys.js'
import {nameConstraintsDer, type NamePolicy} from './policy.js'
import {sha256Hex} from '../lib/hash.js'
import {loadX509} from './x509.js'
import {ROOT_ORGANIZATION} from './subject.js'
import {randomSerial} from './serial.js'

// The CA's certificates and what ca.json says of them: made here, stored and switched by authority.ts and rotate.ts.

const DAY = 86_400_000
const ROOT_DAYS = 3650
const INTERMEDIATE_DAYS = 1095

export interface CertSummary {
  subject: string
  serial: string
  fingerprint: string
  notBefore: string
  notAfter: string
}

export interface CaMeta {
  version: 1
  keyType: KeyType
  createdAt: string
  policy: NamePolicy
  root: CertSummary
  /** subjectDer (base64) and keyId (hex) let leaves be encoded without parsing the intermediate again. */
  intermediate: CertSummary & {id: string; subjectDer: string; keyId: string}
  /** Fingerprints of intermediates this CA used before, newest last. */
  previousIntermediates: string[]
  /** Fingerprints of roots this CA used before (`rotate --root`), newest last; their certificates stay in ca/retired. */
  previousRoots?: string[]
  /** The previous root while `rotate --root` has not yet removed it from every store (a rerun finishes that). */
  retiring?: string
  /** How the key files are protected (state/key-protection); absent: a CA from before, plaintext 0600 files. */
  protection?: KeyProtection
}

async function summarise(cert: import('@peculiar/x509').X509Certificate): Promise<CertSummary> {
  return {
    subject: cert.subject,
    serial: cert.serialNumber,
    fingerprint: sha256Hex(cert.rawData),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  }
}

export async function intermediateSummary(cert: import('@peculiar/x509').X509Certificate, id: string): Promise<CaMeta['intermediate']> {
  const x509 = await loadX509()
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)
  return {...(await summarise(cert)), id, subjectDer: Buffer.from(cert.subjectName.toArrayBuffer()).toString('base64'), keyId: ski!.keyId}
}

function caSubject(role: string, id: string): Array<Record<string, string[]>> {
  const who = userAtHost()
  return [{O: [ROOT_ORGANIZATION]}, {OU: [who]}, {CN: [`localcert ${role} ${who} ${id}`]}]
}

async function caExtensions(keys: KeyPair, policy: NamePolicy, pathLength: number, issuerKey?: CryptoKey) {
  const x509 = await loadX509()
  const extensions: import('@peculiar/x509').Extension[] = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | (issuerKey ? x509.KeyUsageFlags.digitalSignature : 0), true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ]
  if (issuerKey) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerKey))
  if (policy.constrained) extensions.push(new x509.Extension('2.5.29.30', true, await nameConstraintsDer(policy)))
  return extensions
}

export async function createIntermediate(rootCert: import('@peculiar/x509').X509Certificate, rootKey: CryptoKey, rootPublic: CryptoKey, keyType: KeyType, policy: NamePolicy) {
  const x509 = await loadX509()
  const keys = await generateKeyPair(keyType, 'ca')
  const id = randomId(4)
  const notBefore = new Date(Date.now() - 3_600_000)
  const notAfter = new Date(Math.min(notBefore.getTime() + INTERMEDIATE_DAYS * DAY, rootCert.notAfter.getTime()))
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: caSubject('intermediate', id),
    issuer: rootCert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: rootKey,
    extensions: await caExtensions(keys, policy, 0, rootPublic),
  })
  return {id, cert, keys}
}

/** A root and its first intermediate, in memory, with the ca.json that describes them. */
export interface GeneratedCa {
  rootPem: string
  rootKeyPem: string
  intermediatePem: string
  intermediateKeyPem: string
  meta: CaMeta
}

/** Generates a root and its first intermediate (nothing is written): for a new CA and for `rotate --root`. */
export async function generateCa(keyType: KeyType, policy: NamePolicy): Promise<GeneratedCa> {
  const x509 = await loadX509()
  const rootKeys = await generateKeyPair(keyType, 'ca')
  const rootId = randomId(4)
  const notBefore = new Date(Date.now() - 3_600_000)
  const root = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: caSubject('root', rootId),
    issuer: caSubject('root', rootId),
    notBefore,
    notAfter: new Date(notBefore.getTime() + ROOT_DAYS * DAY),
    publicKey: rootKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: await caExtensions(rootKeys, policy, 1),
  })
  const inter = await createIntermediate(root, rootKeys.privateKey, rootKeys.publicKey, keyType, policy)
  const meta: CaMeta = {
    version: 1,
    keyType,
    createdAt: new Date().toISOString(),
    policy,
    root: await summarise(root),
    intermediate: await intermediateSummary(inter.cert, inter.id),
    previousIntermediates: [],
  }
  return {
    rootPem: root.toString('pem') + '\n',
    rootKeyPem: await exportPrivateKeyPem(rootKeys.privateKey),
    intermediatePem: inter.cert.toString('pem') + '\n',
    intermediateKeyPem: await exportPrivateKeyPem(inter.keys.privateKey),
    meta,
  }
}

/**
 * The generated CA as it goes to disk: its keys sealed with `protection` (the same secret for a staged root), and
 * ca.json saying so.
 * @example await placeGeneratedCa(dir, prefix, await sealGeneratedCa(await generateCa(type, policy), protection))
 */
export async function sealGeneratedCa(generated: GeneratedCa, protection: KeyProtection | undefined): Promise<GeneratedCa> {
  return {
    ...generated,
    rootKeyPem: await sealKeyPem(protection, generated.rootKeyPem),
    intermediateKeyPem: await sealKeyPem(protection, generated.intermediateKeyPem),
    meta: protection ? {...generated.meta, protection} : generated.meta,
  }
}

/** Writes a generated CA's files (ca.json last) into `dir`, named as in `<home>/ca`. */
export async function writeGeneratedCa(dir: string, generated: GeneratedCa): Promise<void> {
  const at = (file: string) => path.join(dir, path.basename(file))
  const names = caPaths(dir)
  await writeFileSafely(at(names.rootCert), generated.rootPem, 0o644)
  await writeFileSafely(at(names.rootKey), generated.rootKeyPem)
  await writeFileSafely(at(names.intermediateCert(generated.meta.intermediate.id)), generated.intermediatePem, 0o644)
  await writeFileSafely(at(names.intermediateKey(generated.meta.intermediate.id)), generated.intermediateKeyPem)
  await writeFileSafely(at(names.meta), JSON.stringify(generated.meta, null, 2) + '\n')
}

/** Removes the temporary directories (`<prefix>…`) in `parent` that a killed placeGeneratedCa left behind. */
export async function removeStaleTemps(parent: string, prefix: string): Promise<void> {
  for (const entry of await readdir(parent).catch(() => [] as string[])) if (entry.startsWith(prefix)) await rm(path.join(parent, entry), {recursive: true, force: true})
}

/**
 * Writes a generated CA into the directory `target` through a temporary sibling (`<prefix>…`) and one rename: a
 * process killed mid-way leaves all of the CA or none of it (and a temporary directory removeStaleTemps clears).
 */
export async function placeGeneratedCa(target: string, tempPrefix: string, generated: GeneratedCa): Promise<void> {
  const temp = await mkdtemp(path.join(path.dirname(target), tempPrefix))
  try {
    await writeGeneratedCa(temp, generated)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, {recursive: true, force: true})
    throw error
  }
}
