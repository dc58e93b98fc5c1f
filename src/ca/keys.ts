import {createPrivateKey, type KeyObject} from 'node:crypto'
import {LocalcertError} from '../errors.js'
import {toPem} from '../lib/pem.js'
import {crypto} from './x509.js'

export type KeyType = 'ecdsa' | 'rsa'

/** RSA sizes: the root and intermediate get 3072 bits, leaves 2048 (what every client accepts quickly). */
export type KeyRole = 'ca' | 'leaf'

export interface KeyPair {
  privateKey: CryptoKey
  publicKey: CryptoKey
  type: KeyType
}

const ECDSA = {name: 'ECDSA', namedCurve: 'P-256'} as const
const rsaParams = (bits: number) => ({name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'})

export function parseKeyType(value: string | undefined, fallback: KeyType = 'ecdsa'): KeyType {
  if (value === undefined) return fallback
  const normal = value.toLowerCase()
  if (normal === 'ecdsa' || normal === 'ec' || normal === 'p256' || normal === 'p-256') return 'ecdsa'
  if (normal === 'rsa') return 'rsa'
  throw new LocalcertError('INVALID_KEY_TYPE', `unknown key type "${value}"`, 'use --key-type ecdsa (default) or --key-type rsa')
}

export async function generateKeyPair(type: KeyType, role: KeyRole): Promise<KeyPair> {
  const params = type === 'ecdsa' ? ECDSA : rsaParams(role === 'ca' ? 3072 : 2048)
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair
  return {privateKey: pair.privateKey, publicKey: pair.publicKey, type}
}

/** A leaf key from node:crypto (faster than WebCrypto here): PKCS#8 PEM and DER SubjectPublicKeyInfo. */
export async function generateLeafKey(type: KeyType): Promise<{keyPem: string; spki: Buffer}> {
  const {generateKeyPair: generate} = await import('node:crypto')
  const {promisify} = await import('node:util')
  const pair = type === 'ecdsa'
    ? await promisify(generate)('ec', {namedCurve: 'P-256'})
    : await promisify(generate)('rsa', {modulusLength: 2048})
  return {
    keyPem: pair.privateKey.export({type: 'pkcs8', format: 'pem'}) as string,
    spki: pair.publicKey.export({type: 'spki', format: 'der'}),
  }
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key))
  return toPem(der, 'PRIVATE KEY')
}

/**
 * A CA key file as node:crypto's KeyObject (what leaves are signed with: no WebCrypto import on the hot path).
 * @example const key = readPrivateKeyPem(await readFile(file, 'utf8'))
 */
export function readPrivateKeyPem(pem: string): KeyObject {
  try {
    return createPrivateKey(pem)
  } catch (error) {
    throw new LocalcertError('CA_CORRUPT', 'a CA key file cannot be read', 'restore it from backup, or run `localcert uninstall` and `localcert setup` to start over', {cause: error})
  }
}

/** A CA key file as WebCrypto key too, for @peculiar/x509 (signing intermediates). */
export async function importPrivateKeyPem(pem: string): Promise<{key: CryptoKey; type: KeyType; object: KeyObject}> {
  return importPrivateKey(readPrivateKeyPem(pem))
}

/** An opened CA key (see state/key-protection's openKeyPem) as WebCrypto key too, for @peculiar/x509. */
export async function importPrivateKey(object: KeyObject): Promise<{key: CryptoKey; type: KeyType; object: KeyObject}> {
  const der = object.export({type: 'pkcs8', format: 'der'})
  if (object.asymmetricKeyType === 'ec') {
    return {key: await crypto.subtle.importKey('pkcs8', der, ECDSA, true, ['sign']), type: 'ecdsa', object}
  }
  if (object.asymmetricKeyType === 'rsa') {
    return {key: await crypto.subtle.importKey('pkcs8', der, rsaParams(0), true, ['sign']), type: 'rsa', object}
  }
  throw new LocalcertError('CA_CORRUPT', `unsupported CA key type ${object.asymmetricKeyType}`, 'recreate the CA with `localcert setup`')
}
